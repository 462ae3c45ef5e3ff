#!/usr/bin/env python3
"""`fopro train` on a folder-per-class dataset, written in plain PyTorch as a researcher would.

The reference side of the training comparison in tests/bench/compare_speed.sh (issue #13). Needs
torch, numpy and cv2 (Debian's python3-torch and python3-opencv); the models, losses, Fourier
prompt and the TF.js teacher port come from reference_step.py beside this file.

    reference_train.py --data DIR [--strategy ce|ekd|fopro|fopro_1fwd] [--epochs E] [--image-size S]
                       [--batch 32] [--workers 2] [--threads 2] [--teacher DIR] [--teacher-size N]
                       [--save DIR] [--no-augment]

What it mirrors of the project's defaults (TrainConfig, imagesource.cpp, trainsupport.cpp,
imageloader.cpp): ResNet-18 student, Adam 3e-4, gradient-norm clipping at 5, batch 32, shuffled
epochs (a trailing batch of one is skipped), ImageNet mean/std on the student's input, the teacher
on the [0,1] image. Images: decoded with cv2.imread in every __getitem__ (the project decodes each
image once and keeps it in memory), resize policy "crop" (centred square, INTER_AREA when
shrinking) to the training side the project keeps for augmentation (ceil(S/√0.35), at most 2·S),
then a random resized crop (area 0.35–1, aspect 3/4–4/3, 10 tries) scaled to S (INTER_AREA when
shrinking), a horizontal flip with probability 1/2, and colour jitter (brightness, contrast,
saturation 0.2, in that order, clamped to [0,1]). Strategies: ce (cross-entropy), ekd (teacher
under no_grad every step: with augmentation its input is never the same twice), fopro (two teacher
forwards: without grad for the student step, with grad for the prompt's ascent step) and
fopro_1fwd (one forward with grad, as the project's trainStep does). No validation or test split
(the comparison trains on everything; `fopro train` then validates nothing either).

Output (tab separated): `epoch<TAB>N<TAB>seconds<TAB>images_per_second` per epoch, then
`train_seconds`, `images_per_second`, `wall_seconds` (from the start of the script, imports
included) and `# peak_rss_mb` (this process) / `# peak_rss_workers_mb` (the largest data worker).
"""

import argparse
import math
import os
import random
import resource
import sys
import time

T_START = time.perf_counter()

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.utils.data import DataLoader, Dataset  # noqa: E402

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_step import (  # noqa: E402
    EkdHeads,
    FourierPrompt,
    ResNet18,
    Teacher,
    default_teacher_dir,
    ekd_loss,
    log_prior,
)

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def training_side(size, crop_scale_min):
    """The side the project keeps training images at when random-resized crops are on."""
    if crop_scale_min <= 0 or crop_scale_min >= 1:
        return size
    return int(min(math.ceil(size / math.sqrt(crop_scale_min)), 2 * size))


def resize_crop(rgb, side):
    """Policy "crop": the centred square, scaled to side×side (INTER_AREA shrinking, else linear)."""
    h, w = rgb.shape[:2]
    s = min(h, w)
    square = rgb[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
    if s == side:
        return square.copy()
    return cv2.resize(square, (side, side), interpolation=cv2.INTER_AREA if s > side else cv2.INTER_LINEAR)


def random_resized_crop(rgb, size, scale_min):
    h, w = rgb.shape[:2]
    x0, y0, cw, ch = 0, 0, w, h
    for _ in range(10):
        area = w * h * random.uniform(scale_min, 1.0)
        ratio = math.exp(random.uniform(math.log(3 / 4), math.log(4 / 3)))
        tw, th = int(round(math.sqrt(area * ratio))), int(round(math.sqrt(area / ratio)))
        if 1 <= tw <= w and 1 <= th <= h:
            x0, y0, cw, ch = random.randint(0, w - tw), random.randint(0, h - th), tw, th
            break
    crop = rgb[y0:y0 + ch, x0:x0 + cw]
    if cw == size and ch == size:
        return crop.copy()
    shrinking = cw >= size and ch >= size
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def colour_jitter(x, brightness=0.2, contrast=0.2, saturation=0.2):
    """x: H×W×3 float32 RGB in [0,1]; brightness, contrast, saturation in that order, each clamped."""
    grey_weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    b = random.uniform(1 - brightness, 1 + brightness)
    c = random.uniform(1 - contrast, 1 + contrast)
    s = random.uniform(1 - saturation, 1 + saturation)
    x = np.clip(x * b, 0, 1)
    mean = float((x @ grey_weights).mean())
    x = np.clip(mean + (x - mean) * c, 0, 1)
    grey = (x @ grey_weights)[..., None]
    return np.clip(grey + (x - grey) * s, 0, 1)


class FolderDataset(Dataset):
    def __init__(self, root, size, augment=True, crop_scale_min=0.35):
        self.classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
        self.samples = []
        for label, name in enumerate(self.classes):
            folder = os.path.join(root, name)
            for f in sorted(os.listdir(folder)):
                if f.lower().endswith(IMAGE_EXTENSIONS):
                    self.samples.append((os.path.join(folder, f), label))
        self.size = size
        self.augment = augment
        self.crop_scale_min = crop_scale_min
        self.source_side = training_side(size, crop_scale_min) if augment else size

    def __len__(self):
        return len(self.samples)

    def counts(self):
        n = [0] * len(self.classes)
        for _, label in self.samples:
            n[label] += 1
        return n

    def __getitem__(self, i):
        path, label = self.samples[i]
        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        rgb = resize_crop(rgb, self.source_side)
        if self.augment:
            rgb = random_resized_crop(rgb, self.size, self.crop_scale_min)
            if random.random() < 0.5:
                rgb = rgb[:, ::-1]
        x = rgb.astype(np.float32) / 255.0
        if self.augment:
            x = colour_jitter(x)
        return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1))), label


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="folder with one sub-folder of images per class")
    ap.add_argument("--strategy", default="fopro", choices=["ce", "ekd", "fopro", "fopro_1fwd"])
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--image-size", type=int, default=112)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2, help="DataLoader worker processes")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--teacher", default=default_teacher_dir())
    ap.add_argument("--teacher-size", type=int, default=-1,
                    help="teacher input side: -1 its own (224), 0 the student's, or pixels (as fopro's --teacher-size)")
    ap.add_argument("--no-augment", action="store_true")
    ap.add_argument("--save", default="", help="folder for a checkpoint after every epoch (outside the epoch time)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    S = args.image_size
    dataset = FolderDataset(args.data, S, augment=not args.no_augment)
    C = len(dataset.classes)
    prior = log_prior(dataset.counts())
    loader = DataLoader(dataset, batch_size=args.batch, shuffle=True, num_workers=args.workers)

    student = ResNet18(num_classes=C)
    params = list(student.parameters())
    teacher = heads = prompt = prompt_opt = None
    if args.strategy != "ce":
        teacher = Teacher(args.teacher)
        if args.teacher_size >= 0:
            teacher.input_size = args.teacher_size if args.teacher_size > 0 else S
        with torch.no_grad():
            teacher_dim = teacher(torch.zeros(1, 3, S, S)).shape[1]
        heads = EkdHeads(512, teacher_dim, C)
        params += list(heads.parameters())
    if args.strategy in ("fopro", "fopro_1fwd"):
        prompt = FourierPrompt(S)
        prompt_opt = torch.optim.Adam(prompt.parameters(), lr=1e-3)
    opt = torch.optim.Adam(params, lr=args.lr)

    def student_step(x, y, t):
        f = student.features(x)
        z = student.fc(f)
        if t is None:
            loss = F.cross_entropy(z, y)
            p = None
        else:
            p = heads.projection(f)
            loss = ekd_loss(z, heads.fc_aux(p), p, t, y, prior, 3.0)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        return loss.item(), (p.detach() if p is not None else None)

    def prompt_step(projected, t):
        disc = (2 - 2 * (F.normalize(projected, dim=1) * F.normalize(t, dim=1)).sum(1)).mean()
        loss = -disc + 1e-3 * prompt.regulariser()
        prompt_opt.zero_grad()
        loss.backward()
        prompt_opt.step()

    print("# threads\t%d\n# images\t%d\n# classes\t%d" % (torch.get_num_threads(), len(dataset), C), flush=True)
    total_seconds, total_images = 0.0, 0
    for epoch in range(1, args.epochs + 1):
        student.train()
        if heads is not None:
            heads.train()
        images = 0
        t0 = time.perf_counter()
        for x01, y in loader:
            if len(y) < 2:  # batch norm needs two samples (the project drops such a batch too)
                continue
            x = (x01 - MEAN) / STD
            if args.strategy == "ce":
                student_step(x, y, None)
            elif args.strategy == "ekd":
                with torch.no_grad():
                    t = teacher(x01)
                student_step(x, y, t)
            elif args.strategy == "fopro":
                prompted = prompt(x01)
                with torch.no_grad():
                    t = teacher(prompted)
                _, projected = student_step(x, y, t)
                prompt_step(projected, teacher(prompted))
            else:  # fopro_1fwd
                t = teacher(prompt(x01))
                _, projected = student_step(x, y, t.detach())
                prompt_step(projected, t)
            images += len(y)
        seconds = time.perf_counter() - t0
        total_seconds += seconds
        total_images += images
        print("epoch\t%d\t%.3f\t%.2f" % (epoch, seconds, images / seconds), flush=True)
        if args.save:
            os.makedirs(args.save, exist_ok=True)
            state = {"student": student.state_dict(), "optimizer": opt.state_dict()}
            if heads is not None:
                state["heads"] = heads.state_dict()
            if prompt is not None:
                state["prompt"] = prompt.state_dict()
            torch.save(state, os.path.join(args.save, "last.pt"))
    print("train_seconds\t%.3f" % total_seconds)
    print("images_per_second\t%.2f" % (total_images / total_seconds if total_seconds > 0 else 0))
    print("wall_seconds\t%.3f" % (time.perf_counter() - T_START))
    print("# peak_rss_mb\t%.1f" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0))
    print("# peak_rss_workers_mb\t%.1f" % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
