#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (corpus/<target>/), small files in the formats the
project writes. Run from anywhere; existing seeds of the same name are overwritten, others (kept
crash reproducers, DICOM files copied from pydicom's test data) are left alone."""
import gzip
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def js(o):
    return json.dumps(o, indent=4)


# --- CSV reader ---------------------------------------------------------------------------------
put("fuzz_csv", "simple.csv", "image,label\na.jpg,nevus\nb.jpg,melanoma\n")
put("fuzz_csv", "quoted_crlf.csv", '\ufeffpath,"class, name",note\r\n"x.png","a ""b""",\r\n"multi\nline",c,d\r\n')
put("fuzz_csv", "semicolon.csv", "file;label;split\n1.png;0;train\n2.png;1;test\n")
put("fuzz_csv", "short_rows.csv", "a,b,c\n1\n\n2,3\n4,5,6,7\n")

# --- importers (first byte: 0 ISIC, 1 ISIC-LT, 2 HAM10000, 3 generic CSV) ------------------------
put("fuzz_import", "isic.bin", b"\x00" + b"image,MEL,NV,BCC,AK,BKL,DF,VASC,SCC,UNK\n"
    b"ISIC_0000000,0.0,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0\n"
    b"ISIC_0000001,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0\n"
    b"ISIC_0000002,0.0,0.0,0.0,0.0,0.0,0.0,0.0,1.0,0.0\n")
put("fuzz_import", "isiclt.bin", b"\x01" + b"image,finding_name,finding\n"
    b"ISIC_0000000,1,0\nISIC_0000001,0,1\nISIC_0000002,7,5\nISIC_0000003,5,7\n")
put("fuzz_import", "ham.bin", b"\x02" + b"lesion_id,image_id,dx,dx_type,age,sex,localization\n"
    b"HAM_0000118,ISIC_0027419,bkl,histo,80.0,male,scalp\n"
    b"HAM_0000118,ISIC_0025030,bkl,histo,80.0,male,scalp\n"
    b"HAM_0002730,ISIC_0026769,mel,histo,80.0,male,scalp\n")
put("fuzz_import", "csv.bin", b"\x03" + b"path,label,patient_id,split\n"
    b"images/a.png,benign,p1,train\nimages/b.png,malignant,p2,val\n../c.png,benign,p3,test\n")

# --- IDX ----------------------------------------------------------------------------------------
images = struct.pack(">BBBBIII", 0, 0, 8, 3, 2, 2, 2) + bytes([0, 64, 128, 255, 10, 20, 30, 40])
labels = struct.pack(">BBBBI", 0, 0, 8, 1, 2) + bytes([3, 7])
put("fuzz_idx", "images_2x2x2.idx", images)
put("fuzz_idx", "labels_2.idx", labels)
put("fuzz_idx", "images_2x2x2.idx.gz", gzip.compress(images, mtime=0))
put("fuzz_idx", "labels_2.idx.gz", gzip.compress(labels, mtime=0))
# Crash reproducers found by fuzz_idx (see tests/core/data/tst_importers.cpp idxExtremeDimensions):
# 2 images of 2x0 pixels (cv::Exception from cvtColor), and 0 items of 2^24 x 2^24 x 2^24 bytes
# (signed overflow computing the item size), and 0 items of 16908288 x 65536 x 0 bytes (overflow of
# a partial product).
put("fuzz_idx", "regress_empty_images.idx", bytes.fromhex("00000803000000020000000200000000") +
    bytes.fromhex("0000c07f070a001e28"))
put("fuzz_idx", "regress_partial_item_overflow.idx", bytes.fromhex("000008040000000001020000000100000000000000280200"))
put("fuzz_idx", "regress_item_overflow.idx", bytes.fromhex("0000080400000000010000000023000001000000000000000000"[:50]))

# --- project.json (as Project::save writes it; dataset.json is fixed in the target) -------------
put("fuzz_project", "project.json", js({
    "kind": "fopro-project", "version": 1, "name": "ISIC subset", "demo": False,
    "dataset": "dataset.json",
    "history": [{"time": "2026-01-01T12:00:00Z", "action": "Import ISIC 2019"},
                {"time": "2026-01-02T08:30:00Z", "action": "Relabel 3 images as melanoma"}],
    "thresholds": {"many": 100, "few": 20}}))
put("fuzz_project", "minimal.json", js({"kind": "fopro-project", "version": 1}))

# --- dataset manifests (as DatasetIndex::toJson writes them) --------------------------------------
put("fuzz_manifest", "dataset.json", js({
    "kind": "fopro-dataset", "version": 1, "format": "isic2019", "root": "../isic",
    "classes": ["MEL", "NV", "BCC"], "info": {"groundTruth": "ISIC_2019_Training_GroundTruth.csv"},
    "samples": [
        {"path": "ISIC_2019_Training_Input/ISIC_0000000.jpg", "label": 1, "split": "train",
         "group": "HAM_0000118", "meta": {"age": "55"}},
        {"path": "ISIC_2019_Training_Input/ISIC_0000001.jpg", "label": 0, "original": 1, "split": "val",
         "flags": 1},
        {"path": "train-images-idx3-ubyte.gz", "kind": "idx", "entry": 3, "label": 2, "split": "test"},
        {"path": "series/1.dcm", "kind": "dicom", "entry": 0, "label": -1}]}))

# --- training configurations (TrainConfig::toJson keys; and a run's wrapped config.json) ---------
config = {
    "dataset": "/data/isic/dataset.json", "imageSize": 224, "resizePolicy": "crop",
    "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
    "augment": {"enabled": True, "cropScaleMin": 0.35, "horizontalFlip": True, "verticalFlip": False,
                "brightness": 0.2, "contrast": 0.2, "saturation": 0.2},
    "sampler": "shuffle",
    "student": {"architecture": "resnet18", "widthMultiplier": 1, "cifarBlocks": [2, 2, 2, 2]},
    "studentInit": "",
    "teacher": {"kind": "tfjs", "path": "/teachers/mobilenet/model.json", "outputLayer": "",
                "inputSize": -1, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
                "cacheFeatures": True},
    "strategy": "fopro_kd", "focalGamma": 2, "cbBeta": 0.9999, "ldamMaxMargin": 0.5, "ldamScale": 30,
    "laTau": 1, "kdTemperature": 4, "kdAlpha": 0.9, "ekdLambda": 3, "cbFeatureLoss": False,
    "cbFeatureBeta": 0.9999, "ekdHiddenDim": 512,
    "prompt": {"mode": "global", "alpha": 0.5, "bandRadius": 0, "generatorWidth": 32, "generatorGrid": 8,
               "update": "akd", "regulariser": 0.001, "lr": 0.001, "every": 1},
    "optimizer": "adam", "lr": 0.0003, "momentum": 0.9, "nesterov": False, "weightDecay": 0,
    "schedule": "constant", "stepEpochs": 30, "stepGamma": 0.1, "warmupEpochs": 0, "clipNorm": 5,
    "epochs": 100, "batchSize": 32, "seed": 0, "threads": 0, "workers": 2, "cacheMegabytes": 1024,
    "many": 100, "few": 20, "maxTrainBatches": 0, "runDir": ""}
put("fuzz_trainconfig", "full.json", js(config))
put("fuzz_trainconfig", "small.json", js({"dataset": "d.json", "strategy": "bsm", "epochs": 2,
                                          "student": {"architecture": "cifar_resnet", "widthMultiplier": 0.25,
                                                      "cifarBlocks": [1, 1, 1, 1]}}))
put("fuzz_trainconfig", "run_config.json", js({"format": "fopro-run", "version": 1,
                                              "config": {"strategy": "ce", "schedule": "cosine", "optimizer": "sgd"}}))

# Crash reproducer found by fuzz_trainconfig (tst_trainer.cpp configIntegersOutOfRange).
put("fuzz_trainconfig", "regress_imagesize_1e300.json", '{"imageSize": 1e300}')

# --- run folders (first byte: which file; see fuzz_runfolder.cpp) ----------------------------------
header = {"format": "fopro-run", "version": 1, "config": {"strategy": "fopro_kd", "epochs": 3,
          "student": {"architecture": "cifar_resnet", "widthMultiplier": 0.5, "cifarBlocks": [1, 1, 1, 1]},
          "teacher": {"path": "/teachers/mobilenet/model.json", "outputLayer": "pool"}},
          "created": "2026-01-01T12:00:00Z",
          "dataset": {"manifest": "/data/isic/dataset.json", "classes": ["MEL", "NV", "BCC"],
                      "trainCounts": [10, 50, 3]}}
put("fuzz_runfolder", "config.bin", b"\x00" + js(header).encode())
put("fuzz_runfolder", "status.bin", b"\x01" + js({
    "state": "finished", "epochsDone": 2, "epochs": 2, "bestEpoch": 2, "bestValBalancedAccuracy": 0.5,
    "updated": "2026-01-01T12:00:00Z"}).encode())
put("fuzz_runfolder", "epochs.bin", b"\x02" + b"epoch,lr,loss,ce,val_accuracy,val_balanced_accuracy,val_macro_f1,"
    b"val_head_recall,val_medium_recall,val_tail_recall,seconds,images_per_second,best\n"
    b"1,0.0003,1.5,1,,0.25,,,,,12.5,80,0\n2,0.0003,0.75,0.5,,0.5,,,,,12.5,80,1\n")
put("fuzz_runfolder", "prompt_gain.bin", b"\x03" + b"epoch,band_0,band_1,band_2\n1,1,1.25,0.75\n2,1,nan,\n")
put("fuzz_runfolder", "notes.bin", b"\x04" + js({"title": "first run", "note": "baseline", "archived": False}).encode())
put("fuzz_runfolder", "metrics.bin", b"\x05" + js({"balancedAccuracy": 0.5,
    "tailGroups": {"tail": {"meanRecall": 0.25}}}).encode())
put("fuzz_runfolder", "epochs_json.bin", b"\x00" + json.dumps({"epochs": [
    {"epoch": 1, "lr": 0.001, "losses": {"loss": 1.2, "ce": 0.9}, "seconds": 3, "imagesPerSecond": 40,
     "best": True, "valAccuracy": 0.5, "valBalancedAccuracy": None}]}).encode())

# --- worker protocol (one event per seed, as encode() writes them) ---------------------------------
events = {
    "started": {"type": "started", "run": "/runs/20260101-120000-bsm", "pid": 4242, "time": 1767268800000},
    "progress": {"type": "progress", "done": 12, "total": 100, "stage": 0, "stages": 3, "phase": "Training",
                 "message": "epoch 1", "rate": 85.5, "eta": None, "elapsed": 1.5,
                 "metrics": {"loss": 1.25, "ce": None}, "time": 1767268800100},
    "epoch": {"type": "epoch", "epoch": 1, "metrics": {"loss": 0.9, "val_balanced_accuracy": 0.41},
              "time": 1767268801000},
    "log": {"type": "log", "text": "epoch 1 done", "time": 1767268801001},
    "error": {"type": "error", "code": "not-found", "file": "/x/model.json", "detail": "teacher not found",
              "time": 1767268801002},
    "finished": {"type": "finished", "state": "cancelled", "run": "/runs/r", "time": 1767268801003},
}
for name, e in events.items():
    put("fuzz_workerprotocol", name + ".jsonl", json.dumps(e, separators=(",", ":")) + "\n")
put("fuzz_workerprotocol", "stream.jsonl", "".join(json.dumps(e, separators=(",", ":")) + "\n"
                                                 for e in events.values()) + "pause\nresume\ncancel\n")

# Crash reproducers found by fuzz_workerprotocol (tst_workerprotocol.cpp): numbers outside qint64.
put("fuzz_workerprotocol", "regress_time_1e110.jsonl", '{"type":"log","text":"x","time":1.76789e+110}\n')
put("fuzz_workerprotocol", "regress_done_null.jsonl", '{"type":"progress","done":null,"total":3}\n')

# --- TF.js model.json topologies -----------------------------------------------------------------
def model(topology):
    return js({"format": "layers-model", "generatedBy": "keras v2.11.0", "convertedBy": "TensorFlow.js Converter",
               "modelTopology": topology, "weightsManifest": [{"paths": ["group1-shard1of1.bin"], "weights": []}]})


put("fuzz_kerastopology", "sequential.json", model({"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "Conv2D", "config": {"name": "conv", "filters": 4, "kernel_size": [3, 3],
                                        "batch_input_shape": [None, 32, 32, 3]}},
    {"class_name": "GlobalAveragePooling2D", "config": {"name": "pool"}},
    {"class_name": "Dense", "config": {"name": "fc", "units": 2}}]}}))
put("fuzz_kerastopology", "functional.json", model({"keras_version": "2.11.0", "backend": "tensorflow",
    "model_config": {"class_name": "Functional", "config": {"name": "f", "layers": [
        {"name": "input_1", "class_name": "InputLayer", "config": {"batch_input_shape": [None, 8, 8, 3],
                                                                    "name": "input_1"}, "inbound_nodes": []},
        {"name": "a", "class_name": "Conv2D", "config": {"name": "a"}, "inbound_nodes": [[["input_1", 0, 0, {}]]]},
        {"name": "b", "class_name": "Conv2D", "config": {"name": "b"}, "inbound_nodes": [[["input_1", 0, 0, {}]]]},
        {"name": "add", "class_name": "Add", "config": {"name": "add"},
         "inbound_nodes": [[["a", 0, 0, {}], ["b", 0, 0, {}]]]}],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["add", 0, 0]]}}}))
