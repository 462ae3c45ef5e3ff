#!/usr/bin/env python3
"""The training and inference steps of bench_train, written in plain PyTorch as a researcher would.

The reference side of tests/bench/compare_speed.sh (issue #13: the project's speed as a ratio
against a plain PyTorch script of the same work). Needs only torch and numpy (Debian's
python3-torch); no torchvision.

    reference_step.py [--teacher DIR] [--sizes 112,224] [--steps N] [--threads T] [--rows ce,ekd,...]
    reference_step.py --check-teacher [--teacher DIR]

Work per row (ResNet-18 student in torchvision's layout, 8 classes, batch 32, random input, demo
teacher MobileNetV2 truncated at block_10_project_BN and global-average-pooled to 96 features):
  ce          cross-entropy step: forward, loss, backward, clip_grad_norm_(5), Adam(3e-4) step
  ekd_cached  EKD step with the teacher's features computed once beforehand
  ekd         EKD step with the teacher run under torch.no_grad() every step
  fopro       FoPro-KD (AKD) written the common way: prompt applied, teacher forward without grad
              for the student step, student step, then a second teacher forward with grad through
              the prompted image for the prompt's ascent step (Adam 1e-3, regulariser 1e-3)
  fopro_1fwd  FoPro-KD (AKD) exactly as the project does it (trainstep.cpp, bench_train): one
              teacher forward with grad, detached for the student step, its graph reused for the
              prompt step. This is the same work as the project's `fopro` row.
  infer1      student eval, torch.no_grad(), batch 1, seconds per call
  infer32     the same at batch 32, seconds per call
EKD = λ·mean(2 − 2·cos(p(g(x)), f_t)) + BSM(fc(g(x))) + BSM(fc_aux(p(g(x)))), λ = 3, class counts
{500, 250, 120, 60, 30, 15, 8, 4}. Each row: median of --steps steps after one warm-up step.

The teacher is ported the plain way: model.json's Keras topology (modelTopology → model_config →
config.layers with their inbound_nodes) walked back from the output layer, the weight shards read
by the weightsManifest (float32, or uint8/uint16-quantised per tensor: w = q·scale + min in double
precision, stored as float32, as TF.js and core/ml/teachertfjs.cpp do), then nn.Conv2d (HWIO →
OIHW), depthwise nn.Conv2d(groups=C), nn.BatchNorm2d in eval mode with the Keras epsilon, nn.ReLU6,
ZeroPadding2D and TF's asymmetric "same" padding (the odd pixel after) with F.pad, symmetric "same"
padding as the convolution's own (as timm's "same" convolutions), Add; global average pool → N×96.
Input: the N×3×H×W RGB image in [0,1], as the C++ importer receives it. --check-teacher compares
its features of a pinned image with the C++ importer's.

Output: one line per measurement, `row<TAB>size<TAB>seconds`, then `# peak_rss_mb<TAB>value`.
"""

import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ALL_ROWS = ["ce", "ekd_cached", "ekd", "fopro", "fopro_1fwd", "infer1", "infer32"]
COUNTS = [500, 250, 120, 60, 30, 15, 8, 4]
OUTPUT_LAYER = "block_10_project_BN"
# The C++ importer's features of the pinned image (see check_teacher).
PINNED_FIRST5 = [0.1506296, -0.8716116, -1.308382, 3.67517, 1.956364]
PINNED_SUM = 15.34874


def default_teacher_dir():
    assets = os.environ.get("FOPRO_ASSETS") or os.path.join(REPO, ".cache", "assets")
    return os.path.join(assets, "teachers", "mobilenet_v2")


# ---------------------------------------------------------------------------------------------------
# Student: ResNet-18 as torchvision writes it.


def conv3x3(inplanes, planes, stride=1):
    return nn.Conv2d(inplanes, planes, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(inplanes, planes, stride=1):
    return nn.Conv2d(inplanes, planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        out = self.relu(out)
        return out


class ResNet18(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, 2)
        self.layer2 = self._make_layer(128, 2, stride=2)
        self.layer3 = self._make_layer(256, 2, stride=2)
        self.layer4 = self._make_layer(512, 2, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def _make_layer(self, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes, stride), nn.BatchNorm2d(planes))
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        for _ in range(1, blocks):
            layers.append(BasicBlock(self.inplanes, planes))
        return nn.Sequential(*layers)

    def features(self, x):
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.maxpool(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.avgpool(x)
        return torch.flatten(x, 1)

    def forward(self, x):
        return self.fc(self.features(x))


class EkdHeads(nn.Module):
    """EKD's projection head p and auxiliary classifier fc_aux."""

    def __init__(self, feature_dim, teacher_dim, num_classes, hidden=512):
        super().__init__()
        self.projection = nn.Sequential(
            nn.Linear(feature_dim, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, teacher_dim)
        )
        self.fc_aux = nn.Linear(teacher_dim, num_classes)


# ---------------------------------------------------------------------------------------------------
# Losses (EKD's released code: Balanced Softmax on both classifiers plus the feature loss).


def log_prior(counts):
    counts = torch.tensor(counts, dtype=torch.float64)
    return torch.log(counts / counts.sum() + 1e-12).float()


def balanced_softmax_loss(logits, labels, prior):
    return F.cross_entropy(logits + prior, labels)


def feature_loss(projected, teacher_features):
    p = F.normalize(projected, dim=1)
    t = F.normalize(teacher_features.detach(), dim=1)
    return (2 - 2 * (p * t).sum(1)).mean()


def ekd_loss(logits, aux_logits, projected, teacher_features, labels, prior, lam=3.0):
    return (
        lam * feature_loss(projected, teacher_features)
        + balanced_softmax_loss(logits, labels, prior)
        + balanced_softmax_loss(aux_logits, labels, prior)
    )


# ---------------------------------------------------------------------------------------------------
# Fourier prompt (a port of core/ml/fourierprompt.cpp).


def radial_frequency(height, width):
    fy = torch.fft.fftfreq(height)
    fx = torch.fft.rfftfreq(width)
    return torch.sqrt(fy[:, None] ** 2 + fx[None, :] ** 2) / 0.5


class FourierPrompt(nn.Module):
    """x̃ = irfft2(rfft2(x)·(M·G + 1 − M)), G = 1 + α·tanh(P); global or conditional P."""

    def __init__(self, image_size, channels=3, alpha=0.5, band_radius=0.0, mode="global", generator_width=16,
                 generator_grid=32):
        super().__init__()
        self.alpha = alpha
        self.mode = mode
        self.height = self.width = image_size
        self.half = image_size // 2 + 1
        self.grid = generator_grid
        if mode == "global":
            self.prompt = nn.Parameter(torch.zeros(channels, self.height, self.half))
        else:
            hidden = max(1, generator_width)
            self.generator = nn.Sequential(
                nn.Conv2d(channels, hidden, 3, padding=1), nn.ReLU(),
                nn.Conv2d(hidden, hidden, 3, padding=1), nn.ReLU(),
                nn.Conv2d(hidden, channels, 3, padding=1),
            )
            nn.init.zeros_(self.generator[4].weight)
            nn.init.zeros_(self.generator[4].bias)
        if band_radius > 0:
            self.register_buffer("mask", (radial_frequency(self.height, self.width) <= band_radius).float())
        else:
            self.mask = None
        self.last_gain = None

    def gain(self, spectrum):
        if self.mode == "global":
            return 1 + self.alpha * torch.tanh(self.prompt)
        log_amplitude = torch.log1p(spectrum.abs()).detach()
        grid = (min(self.height, self.grid), min(self.half, self.grid))
        p = self.generator(F.adaptive_avg_pool2d(log_amplitude, grid))
        p = F.interpolate(p, size=(self.height, self.half), mode="bilinear", align_corners=False)
        return 1 + self.alpha * torch.tanh(p)

    def forward(self, x):
        spectrum = torch.fft.rfft2(x)
        g = self.gain(spectrum)
        self.last_gain = g
        if self.mask is not None:
            g = self.mask * g + (1 - self.mask)
        return torch.fft.irfft2(spectrum * g, s=(self.height, self.width))

    def regulariser(self):
        if self.mode == "global":
            return ((1 + self.alpha * torch.tanh(self.prompt)) - 1).square().mean()
        if self.last_gain is None:
            return torch.zeros(())
        return (self.last_gain - 1).square().mean()


# ---------------------------------------------------------------------------------------------------
# Teacher: a Keras model in TF.js layers format (model.json + weight shards) ported to torch modules.


def read_tfjs_weights(folder, manifest):
    """name → float32 tensor in Keras layout; quantised weights are dequantised as TF.js does."""
    weights = {}
    for group in manifest:
        data = b"".join(open(os.path.join(folder, p), "rb").read() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            shape = w["shape"]
            count = int(np.prod(shape)) if shape else 1
            quant = w.get("quantization")
            if quant:
                qtype = {"uint8": np.dtype("u1"), "uint16": np.dtype("<u2")}[quant["dtype"]]
                q = np.frombuffer(data, dtype=qtype, count=count, offset=offset)
                offset += count * qtype.itemsize
                values = (q.astype(np.float64) * quant["scale"] + quant["min"]).astype(np.float32)
            else:
                dtype = {"float32": np.dtype("<f4"), "int32": np.dtype("<i4")}[w.get("dtype", "float32")]
                values = np.frombuffer(data, dtype=dtype, count=count, offset=offset).astype(np.float32)
                offset += count * 4
            weights[w["name"]] = torch.from_numpy(values.reshape(shape).copy())
        assert offset == len(data), "weight shards do not match the manifest"
    return weights


def find_weight(weights, layer, param):
    key = layer + "/" + param
    if key in weights:
        return weights[key]
    for name, t in weights.items():
        n = name[:-2] if name.endswith(":0") else name
        if n == key or n.endswith("/" + key):
            return t
    raise KeyError(key)


def inbound_names(layer):
    nodes = layer.get("inbound_nodes") or []
    if not nodes:
        return []
    node = nodes[0]
    if isinstance(node, dict):  # Keras 3
        return [a["config"]["keras_history"][0] for a in node["args"] if isinstance(a, dict)]
    return [entry[0] for entry in node]


def tf_same_padding(size, kernel, stride, dilation=1):
    """TF's "same": total = max((ceil(in/s) − 1)·s + k_eff − in, 0), the odd pixel after."""
    k_eff = (kernel - 1) * dilation + 1
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + k_eff - size, 0)
    return total // 2, total - total // 2


class KerasConv(nn.Module):
    def __init__(self, cfg, kernel, bias, depthwise):
        super().__init__()
        kh, kw = kernel.shape[0], kernel.shape[1]
        self.stride = tuple(cfg.get("strides", [1, 1]))
        self.dilation = tuple(cfg.get("dilation_rate", [1, 1]))
        self.same = cfg.get("padding", "valid") == "same"
        if depthwise:  # H×W×C×M → (C·M)×1×H×W, groups = C
            c, m = kernel.shape[2], kernel.shape[3]
            self.conv = nn.Conv2d(c, c * m, (kh, kw), stride=self.stride, dilation=self.dilation, groups=c,
                                  bias=bias is not None)
            self.conv.weight.data.copy_(kernel.permute(2, 3, 0, 1).reshape(c * m, 1, kh, kw))
        else:  # HWIO → OIHW
            self.conv = nn.Conv2d(kernel.shape[2], kernel.shape[3], (kh, kw), stride=self.stride,
                                  dilation=self.dilation, bias=bias is not None)
            self.conv.weight.data.copy_(kernel.permute(3, 2, 0, 1))
        if bias is not None:
            self.conv.bias.data.copy_(bias)
        self.kernel = (kh, kw)
        self.act = activation(cfg.get("activation", "linear"))

    def forward(self, x):
        if self.same:  # as timm's "same" convolutions: the conv's own padding when symmetric, else F.pad
            top, bottom = tf_same_padding(x.shape[2], self.kernel[0], self.stride[0], self.dilation[0])
            left, right = tf_same_padding(x.shape[3], self.kernel[1], self.stride[1], self.dilation[1])
            if top == bottom and left == right:
                c = self.conv
                return self.act(F.conv2d(x, c.weight, c.bias, c.stride, (top, left), c.dilation, c.groups))
            x = F.pad(x, (left, right, top, bottom))
        return self.act(self.conv(x))


class ZeroPad(nn.Module):
    def __init__(self, padding):
        super().__init__()
        if isinstance(padding, int):
            padding = [[padding, padding], [padding, padding]]
        elif not isinstance(padding[0], list):
            padding = [[padding[0], padding[0]], [padding[1], padding[1]]]
        (self.top, self.bottom), (self.left, self.right) = padding

    def forward(self, x):
        return F.pad(x, (self.left, self.right, self.top, self.bottom))


class AddLayer(nn.Module):
    def forward(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class ClampedReLU(nn.Module):
    def __init__(self, max_value):
        super().__init__()
        self.max_value = max_value

    def forward(self, x):
        return torch.clamp(x, 0, self.max_value)


def activation(name):
    return {"linear": nn.Identity(), "relu": nn.ReLU(), "relu6": nn.ReLU6(), "sigmoid": nn.Sigmoid(),
            "tanh": nn.Tanh()}[name]


def keras_layer(cls, cfg, name, weights):
    if cls == "InputLayer" or cls == "Dropout":
        return nn.Identity()
    if cls == "ZeroPadding2D":
        return ZeroPad(cfg["padding"])
    if cls in ("Conv2D", "DepthwiseConv2D"):
        depthwise = cls == "DepthwiseConv2D"
        kernel = find_weight(weights, name, "depthwise_kernel" if depthwise else "kernel")
        bias = find_weight(weights, name, "bias") if cfg.get("use_bias", True) else None
        return KerasConv(cfg, kernel, bias, depthwise)
    if cls == "BatchNormalization":
        mean = find_weight(weights, name, "moving_mean")
        bn = nn.BatchNorm2d(mean.shape[0], eps=cfg.get("epsilon", 1e-3))
        bn.running_mean.copy_(mean)
        bn.running_var.copy_(find_weight(weights, name, "moving_variance"))
        if cfg.get("scale", True):
            bn.weight.data.copy_(find_weight(weights, name, "gamma"))
        if cfg.get("center", True):
            bn.bias.data.copy_(find_weight(weights, name, "beta"))
        return bn
    if cls == "ReLU":
        max_value = cfg.get("max_value")
        assert not cfg.get("negative_slope") and not cfg.get("threshold"), "leaky/thresholded ReLU not ported"
        if max_value is None:
            return nn.ReLU()
        return nn.ReLU6() if max_value == 6 else ClampedReLU(max_value)
    if cls == "Activation":
        return activation(cfg["activation"])
    if cls == "Add":
        return AddLayer()
    raise NotImplementedError(f"layer class {cls} ({name}) is not ported")


class KerasNet(nn.Module):
    """The layers the output layer depends on, run in topological order; NCHW throughout."""

    def __init__(self, model_json_path, output_layer):
        super().__init__()
        folder = os.path.dirname(model_json_path)
        with open(model_json_path) as f:
            model = json.load(f)
        topology = model["modelTopology"]
        topology = topology.get("model_config", topology)
        layers = {(l.get("name") or l["config"]["name"]): l for l in topology["config"]["layers"]}
        weights = read_tfjs_weights(folder, model["weightsManifest"])
        self.order, self.inputs = [], {}
        seen = set()

        def visit(name):
            if name in seen:
                return
            seen.add(name)
            for i in inbound_names(layers[name]):
                visit(i)
            self.order.append(name)
            self.inputs[name] = inbound_names(layers[name])

        visit(output_layer)
        self.output_layer = output_layer
        self.ops = nn.ModuleDict(
            {n: keras_layer(layers[n]["class_name"], layers[n]["config"], n, weights) for n in self.order})
        shape = layers[self.order[0]]["config"].get("batch_input_shape") or [None, None, None, 3]
        self.input_size = shape[1] if shape[1] and shape[1] == shape[2] else 0

    def forward(self, x):
        values = {}
        for name in self.order:
            ins = self.inputs[name]
            values[name] = self.ops[name](*[values[i] for i in ins]) if ins else x
        return values[self.output_layer]


class Teacher(nn.Module):
    """N×3×H×W RGB in [0,1] → N×D: resized to the input size (bilinear), the network, global average pool."""

    def __init__(self, folder, output_layer=OUTPUT_LAYER, input_size=-1):
        super().__init__()
        self.net = KerasNet(os.path.join(folder, "model.json"), output_layer)
        self.input_size = self.net.input_size if input_size < 0 else input_size
        for p in self.parameters():
            p.requires_grad_(False)
        self.eval()

    def forward(self, x):
        if self.input_size > 0 and (x.shape[2] != self.input_size or x.shape[3] != self.input_size):
            x = F.interpolate(x, size=(self.input_size, self.input_size), mode="bilinear", align_corners=False)
        return self.net(x).mean((2, 3))


def pinned_image(side=224):
    y = torch.arange(side).view(side, 1, 1)
    x = torch.arange(side).view(1, side, 1)
    c = torch.arange(3).view(1, 1, 3)
    hwc = ((x * 3 + y * 5 + c * 7) % 256).float() / 255.0
    return hwc.permute(2, 0, 1).unsqueeze(0).contiguous()


def check_teacher(folder):
    teacher = Teacher(folder)
    with torch.no_grad():
        f = teacher(pinned_image(224))[0].double()
    first = f[:5].tolist()
    total = f.sum().item()
    print("features", tuple(f.shape), "first five", " ".join("%.7g" % v for v in first), "sum %.7g" % total)
    print("expected (C++ importer)  first five", " ".join("%.7g" % v for v in PINNED_FIRST5), "sum %.7g" % PINNED_SUM)
    worst = max(abs(a - b) for a, b in zip(first, PINNED_FIRST5))
    ok = worst < 1e-3 and abs(total - PINNED_SUM) < 1e-2
    print("max abs difference %.3g (first five), %.3g (sum): %s" % (worst, abs(total - PINNED_SUM),
                                                                     "OK" if ok else "MISMATCH"))
    return 0 if ok else 1


# ---------------------------------------------------------------------------------------------------
# The benchmark.


def time_it(steps, f):
    """Median seconds of `steps` calls after one warm-up call (the upper median, as bench_train)."""
    f()
    t = []
    for _ in range(steps):
        t0 = time.perf_counter()
        f()
        t.append(time.perf_counter() - t0)
    return sorted(t)[len(t) // 2]


def emit(row, size, seconds):
    print("%s\t%d\t%.6f" % (row, size, seconds), flush=True)


def run(args):
    B, C = 32, 8
    rows = args.rows
    teacher = Teacher(args.teacher) if any(r in rows for r in ("ekd_cached", "ekd", "fopro", "fopro_1fwd")) else None
    prior = log_prior(COUNTS)
    teacher_dim = 96  # the demo teacher's, when no row needs it (as bench_train)
    if teacher is not None:
        with torch.no_grad():
            teacher_dim = teacher(torch.zeros(1, 3, 64, 64)).shape[1]
    for S in args.sizes:
        torch.manual_seed(0)
        if teacher is not None:
            teacher.input_size = S  # bench_train: teacher.withInputSize(S)
        student = ResNet18(num_classes=C)
        heads = EkdHeads(512, teacher_dim, C)
        prompt = FourierPrompt(S)
        params = list(student.parameters()) + list(heads.parameters())
        opt = torch.optim.Adam(params, lr=3e-4)
        prompt_opt = torch.optim.Adam(prompt.parameters(), lr=1e-3)
        x01 = torch.rand(B, 3, S, S)
        x = (x01 - 0.45) / 0.225
        y = torch.randint(0, C, (B,))
        cached = None
        if teacher is not None:
            with torch.no_grad():
                cached = teacher(x01)
        student.train()
        heads.train()

        def student_step(t):
            f = student.features(x)
            z = student.fc(f)
            p = heads.projection(f)
            loss = ekd_loss(z, heads.fc_aux(p), p, t, y, prior, 3.0)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 5.0)
            opt.step()
            return p.detach()

        def ce_step():
            loss = F.cross_entropy(student(x), y)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 5.0)
            opt.step()

        def ekd_step():
            with torch.no_grad():
                t = teacher(x01)
            student_step(t)

        def prompt_step(projected, t):
            disc = (2 - 2 * (F.normalize(projected, dim=1) * F.normalize(t, dim=1)).sum(1)).mean()
            loss = -disc + 1e-3 * prompt.regulariser()
            prompt_opt.zero_grad()
            loss.backward()
            prompt_opt.step()

        def fopro_step():
            prompted = prompt(x01)
            with torch.no_grad():
                t = teacher(prompted)
            projected = student_step(t)
            prompt_step(projected, teacher(prompted))

        def fopro_one_forward_step():
            t = teacher(prompt(x01))
            projected = student_step(t.detach())
            prompt_step(projected, t)

        steps = {"ce": ce_step, "ekd_cached": lambda: student_step(cached), "ekd": ekd_step, "fopro": fopro_step,
                 "fopro_1fwd": fopro_one_forward_step}
        for row in ALL_ROWS[:5]:
            if row in rows:
                emit(row, S, time_it(args.steps, steps[row]))
        student.eval()
        with torch.no_grad():
            one = x[:1]
            if "infer1" in rows:
                emit("infer1", S, time_it(max(args.steps, 5), lambda: student(one)))
            if "infer32" in rows:
                emit("infer32", S, time_it(args.steps, lambda: student(x)))
    print("# peak_rss_mb\t%.1f" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--teacher", default=default_teacher_dir(), help="folder of the demo teacher's model.json")
    ap.add_argument("--sizes", default="112,224", help="image sides, comma-separated")
    ap.add_argument("--steps", type=int, default=3, help="timed steps per row (after one warm-up step)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--rows", default=",".join(ALL_ROWS), help="rows to run: " + ",".join(ALL_ROWS))
    ap.add_argument("--check-teacher", action="store_true",
                    help="print the teacher's features of the pinned 224 px image and compare them with the C++ "
                         "importer's")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.check_teacher:
        return check_teacher(args.teacher)
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.rows = [r for r in args.rows.split(",") if r]
    unknown = [r for r in args.rows if r not in ALL_ROWS]
    if unknown or args.steps < 1 or args.threads < 1 or not args.sizes:
        ap.error("bad --rows/--steps/--threads/--sizes" + (": unknown rows " + ",".join(unknown) if unknown else ""))
    print("# threads\t%d" % torch.get_num_threads())
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
