#!/usr/bin/env python3
"""PyTorch's ResNet-50 BoT step time on a GPU, for the round-time model of parameter averaging (issue 20).

`submit/reid bench-scaling --gpu-step-seconds S` models BoT's ResNet-50 on GPU executors from the measured bytes of a
round and the time of one training step on a GPU. The ND4J CUDA 11.6 backend cannot run on the lent accelerator
machine (CUDA 13, PyTorch, no JVM), so this script measures there, in one short run, the same step in PyTorch:

- the network of BoT (Luo et al., "Bag of Tricks and A Strong Baseline for Deep Person Re-identification", CVPRW 2019,
  https://arxiv.org/abs/1903.07071; official code michuanhaohao/reid-strong-baseline, modeling/baseline.py and
  layers/): ResNet-50 with last stride 1, global average pooling to the 2048-d feature f, BNNeck (BatchNorm1d with a
  frozen bias) and a bias-free linear classifier over 751 identities (Market-1501);
- its loss: cross-entropy with label smoothing 0.1 on the classifier's scores, batch-hard triplet with margin 0.3 and
  center loss (weight 5e-4) on f; Adam (lr 3.5e-4, weight decay 5e-4) for the network and SGD (lr 0.5) for the centers,
  as in the official `make_optimizer_with_center` and configs/softmax_triplet_with_center.yml;
- the batch: P16 x K4 = 64 images of 3 x 256 x 128 (labels: 16 identities, 4 images each), fp32 by default
  (`--amp bf16` adds an autocast run), `torch.backends.cudnn.benchmark = True` as the official train.py sets it.

Timed: a whole training step (forward, the three losses, backward, both optimizer steps), synchronised with the device
before and after, median over `--iterations` after `--warmup` untimed steps; inference (eval mode, no gradient) of the
BNNeck feature for batches of 32 and 64. Printed as one JSON object (also written to `--out`): the step's median, the
per-iteration times, images/s, peak device memory, and the device, PyTorch, CUDA and cuDNN versions.

Run on the device machine (about a minute on an H100/H200):
    python3 submit/gpu-reference/bot_step.py --device cuda --out "$OUT/bot-step-gpu.json"
and then `submit/reid bench-scaling --gpu-step-seconds <train.median_s>`. A check on any CPU (tiny sizes, seconds):
    python3 submit/gpu-reference/bot_step.py --device cpu --smoke
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Bottleneck(nn.Module):
    """torchvision's ResNet-50 bottleneck (stride on the 3x3 convolution), as the official code's resnet.py."""
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)), inplace=True)
        out = F.relu(self.bn2(self.conv2(out)), inplace=True)
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return F.relu(out + identity, inplace=True)


class BotResNet50(nn.Module):
    """BoT's baseline: ResNet-50 (last stride 1) -> GAP -> f [B, 2048] -> BNNeck -> classifier [B, classes].

    Training returns (scores [B, classes], f [B, 2048]); eval returns the BNNeck feature [B, 2048] (the official
    TEST.NECK_FEAT = 'after')."""

    def __init__(self, classes, last_stride=1, width=64, layers=(3, 4, 6, 3)):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.inplanes = width
        self.layer1 = self._layer(width, layers[0], 1)
        self.layer2 = self._layer(width * 2, layers[1], 2)
        self.layer3 = self._layer(width * 4, layers[2], 2)
        self.layer4 = self._layer(width * 8, layers[3], last_stride)
        self.feature_dim = width * 8 * 4
        self.bottleneck = nn.BatchNorm1d(self.feature_dim)
        self.bottleneck.bias.requires_grad_(False)
        self.classifier = nn.Linear(self.feature_dim, classes, bias=False)

    def _layer(self, planes, blocks, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes * 4:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes * 4, 1, stride=stride, bias=False),
                                       nn.BatchNorm2d(planes * 4))
        mods = [Bottleneck(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * 4
        mods += [Bottleneck(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*mods)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x)), inplace=True))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        f = F.adaptive_avg_pool2d(x, 1).flatten(1)
        neck = self.bottleneck(f)
        if not self.training:
            return neck
        return self.classifier(neck), f


def triplet_batch_hard(f, labels, margin):
    """The official TripletLoss: Euclidean distances, hardest positive and negative per anchor, margin ranking."""
    dist = torch.cdist(f, f).clamp(min=1e-12)
    same = labels[:, None] == labels[None, :]
    hardest_pos = (dist * same).max(1).values
    hardest_neg = dist.masked_fill(same, float("inf")).min(1).values
    return F.relu(hardest_pos - hardest_neg + margin).mean()


def center_loss(f, labels, centers):
    """The official CenterLoss: squared distance to the own identity's center, clamped, averaged over the batch."""
    return (f - centers[labels]).pow(2).sum(1).clamp(1e-12, 1e12).mean()


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn, device, warmup, iterations):
    for _ in range(warmup):
        fn()
    sync(device)
    times = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - t0)
    return times


def summary(times, images):
    med = statistics.median(times)
    return {"median_s": med, "best_s": min(times), "images_per_s": images / med, "times_s": [round(t, 6) for t in times]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cuda", help="cuda (default) or cpu")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--p", type=int, default=16, help="identities per batch")
    ap.add_argument("--k", type=int, default=4, help="images per identity")
    ap.add_argument("--height", type=int, default=256)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--classes", type=int, default=751)
    ap.add_argument("--amp", choices=["none", "bf16", "fp16"], default="none",
                    help="also time the step under autocast in this precision (fp32 is always timed)")
    ap.add_argument("--smoke", action="store_true",
                    help="a check of the script itself: a narrow network, 64x32 images, P4 x K2, 2 + 3 iterations")
    ap.add_argument("--out", help="write the JSON here as well")
    args = ap.parse_args()

    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("bot_step.py: --device cuda but PyTorch sees no CUDA device (torch %s); use --device cpu for a check"
                 % torch.__version__)
    width = 64
    if args.smoke:
        width, args.height, args.width, args.p, args.k, args.warmup, args.iterations = 8, 64, 32, 4, 2, 2, 3
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)

    batch = args.p * args.k
    model = BotResNet50(args.classes, last_stride=1, width=width).to(device)
    centers = nn.Parameter(torch.randn(args.classes, model.feature_dim, device=device))
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=3.5e-4, weight_decay=5e-4)
    opt_center = torch.optim.SGD([centers], lr=0.5)
    images = torch.randn(batch, 3, args.height, args.width, device=device)
    labels = torch.arange(args.p, device=device).repeat_interleave(args.k) * (args.classes // args.p)
    losses = []

    def train_step(autocast_dtype=None):
        model.train()
        opt.zero_grad(set_to_none=True)
        opt_center.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
            scores, f = model(images)
        f = f.float()
        loss = (F.cross_entropy(scores.float(), labels, label_smoothing=0.1)
                + triplet_batch_hard(f, labels, 0.3)
                + 5e-4 * center_loss(f, labels, centers))
        loss.backward()
        opt.step()
        # the official code scales the centers' gradient back by 1 / weight before their SGD step
        centers.grad.mul_(1.0 / 5e-4)
        opt_center.step()
        losses.append(loss.detach())

    result = {
        "what": "PyTorch ResNet-50 BoT step (last stride 1, BNNeck, CE+LS 0.1, batch-hard triplet 0.3, center 5e-4; "
                "Adam 3.5e-4 wd 5e-4, centers SGD 0.5)",
        "batch": {"p": args.p, "k": args.k, "images": batch, "shape": [batch, 3, args.height, args.width]},
        "smoke": args.smoke,
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if device.type == "cuda" else None,
        "cpu_threads": torch.get_num_threads(),
        "warmup": args.warmup,
        "iterations": args.iterations,
    }
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    result["train"] = summary(timed(train_step, device, args.warmup, args.iterations), batch)
    if device.type == "cuda":
        result["train"]["peak_memory_mb"] = torch.cuda.max_memory_allocated(device) / 2**20
    first, last = losses[0].item(), losses[-1].item()
    if not (torch.isfinite(torch.tensor([first, last])).all()):
        sys.exit("bot_step.py: the loss is not finite (%s, %s): the timing would not be of a working step" % (first, last))
    result["train"]["loss_first_last"] = [first, last]
    if args.amp != "none":
        dtype = torch.bfloat16 if args.amp == "bf16" else torch.float16
        result["train_" + args.amp] = summary(
            timed(lambda: train_step(dtype), device, args.warmup, args.iterations), batch)
    for n in (32, 64):
        with torch.no_grad():
            model.eval()
            x = images[:n] if n <= batch else images.repeat((n + batch - 1) // batch, 1, 1, 1)[:n]
            result["infer_b%d" % n] = summary(timed(lambda: model(x), device, args.warmup, args.iterations), n)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        with open(args.out + ".tmp", "w") as fh:
            fh.write(text + "\n")
        os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
