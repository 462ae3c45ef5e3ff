#!/usr/bin/env node
// Reference features of a TF.js layers model computed by TF.js itself (the pure-JavaScript
// @tensorflow/tfjs on its CPU backend), for tst_teacher's comparison with the project's importer.
//
// Usage: node tfjs_reference.js <tfjs> <model.json> <layer name> <side>
//   <tfjs>        the @tensorflow/tfjs module folder, or a folder holding node_modules/@tensorflow/tfjs
//                 (packaging/install-deps.sh installs it into <assets>/tfjs)
//   <model.json>  a TF.js layers model in the standard layout (its shards beside it)
//   <layer name>  the layer whose output is the feature (the model is truncated there)
//   <side>        the input image's side S (the network is applied to it as it is, also when its
//                 input layer declares another size, as the importer does with withInputSize(S))
// The input is the tests' pinned image (pinnedImage in tst_teacher.cpp): one S×S RGB image, NHWC
// float32 in [0,1], pixel (y, x, c) = ((x·3 + y·5 + c·7) mod 256)/255. A 4-D output is averaged
// over H and W. Prints the features on stdout, one number a line, each the exact float32 value.
// Errors go to stderr with exit code 1.
'use strict';

const fs = require('fs');
const path = require('path');

function fail(message) {
    process.stderr.write('tfjs_reference: ' + message + '\n');
    process.exit(1);
}

/// The @tensorflow/tfjs module from its own folder or from <dir>/node_modules.
function loadTfjs(dir) {
    const candidates = [dir, path.join(dir, 'node_modules', '@tensorflow', 'tfjs'),
                        path.join(dir, '@tensorflow', 'tfjs')];
    for (const c of candidates) {
        const pkg = path.join(c, 'package.json');
        if (!fs.existsSync(pkg)) continue;
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name !== '@tensorflow/tfjs') continue;
        return require(path.resolve(c));
    }
    fail(dir + ': neither the @tensorflow/tfjs module folder nor a folder holding node_modules/@tensorflow/tfjs');
}

/// Model artifacts read with fs (TF.js' file:// loader needs tfjs-node): the topology, the weight
/// specs of every group and their shards' bytes in one buffer.
function readArtifacts(modelJson) {
    let model;
    try {
        model = JSON.parse(fs.readFileSync(modelJson, 'utf8'));
    } catch (e) {
        fail(modelJson + ': ' + e.message);
    }
    if (!model.modelTopology || !Array.isArray(model.weightsManifest))
        fail(modelJson + ': not a TF.js layers model.json (no modelTopology or weightsManifest)');
    const weightSpecs = [];
    const buffers = [];
    for (const group of model.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) {
            const file = path.resolve(path.dirname(modelJson), p);
            if (!fs.existsSync(file)) fail(file + ': weight shard not found');
            buffers.push(fs.readFileSync(file));
        }
    }
    const all = Buffer.concat(buffers);
    const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
    return { modelTopology: model.modelTopology, weightSpecs, weightData, format: model.format };
}

/// The pinned image, 1×S×S×3 float32.
function pinnedImage(tf, side) {
    const data = new Float32Array(side * side * 3);
    for (let y = 0; y < side; ++y)
        for (let x = 0; x < side; ++x)
            for (let c = 0; c < 3; ++c) data[(y * side + x) * 3 + c] = ((x * 3 + y * 5 + c * 7) % 256) / 255;
    return tf.tensor4d(data, [1, side, side, 3], 'float32');
}

async function main() {
    const [tfjsDir, modelJson, layerName, sideText] = process.argv.slice(2);
    if (!tfjsDir || !modelJson || !layerName || !sideText)
        fail('usage: tfjs_reference.js <tfjs module dir or node_modules parent> <model.json> <layer name> <side>');
    const side = Number(sideText);
    if (!Number.isInteger(side) || side < 1 || side > 4096) fail('side must be an integer in [1, 4096], got ' + sideText);

    const tf = loadTfjs(tfjsDir);
    tf.enableProdMode(); // also keeps the CPU backend's "Hi there" advice to install tfjs-node quiet
    if (!(await tf.setBackend('cpu'))) fail('the TF.js cpu backend did not initialise');

    const model = await tf.loadLayersModel(tf.io.fromMemory(readArtifacts(modelJson)));
    let output;
    try {
        output = model.getLayer(layerName).output;
    } catch (e) {
        fail(modelJson + ': ' + e.message);
    }
    const truncated = tf.model({ inputs: model.inputs, outputs: output });
    // apply, not predict: predict refuses an input of another size than the declared one (and the
    // head's Dense layers could not even be built for it), while the layers up to a convolutional
    // output take any size. Inference mode (BatchNormalization with its moving statistics).
    const features = tf.tidy(() => {
        const y = truncated.apply(pinnedImage(tf, side), { training: false });
        return y.rank === 4 ? y.mean([1, 2]) : y.reshape([1, -1]);
    });
    process.stdout.write(Array.from(features.dataSync(), (v) => String(v)).join('\n') + '\n');
}

main().catch((e) => fail((e && e.stack) || String(e)));
