"""Writes torchvision_resnet18_w1.npz: a state dict in torchvision's ResNet-18 naming (as
`np.savez(path, **{k: v.numpy() for k, v in model.state_dict().items()})` writes it) for a ResNet-18 of base width 1
(channels 1, 2, 4, 8), so PretrainedWeightsTest can check NumPy's real file format without torch.

Every float tensor holds (index + 1) / 1000 + offset, offset = 10 * (position of the key); BatchNorm running
variances are made positive the same way. num_batches_tracked (int64 scalars) and fc.* are present, as in a real
checkpoint, and must be ignored by the loader. Run: python3 make_torchvision_npz.py
"""
import numpy as np

def shapes():
    yield "conv1.weight", (1, 3, 7, 7)
    yield from bn("bn1", 1)
    inp = 1
    for stage, planes in enumerate([1, 2, 4, 8], start=1):
        for b in range(2):
            stride = 1 if stage == 1 or b > 0 else 2
            p = f"layer{stage}.{b}"
            yield f"{p}.conv1.weight", (planes, inp, 3, 3)
            yield from bn(f"{p}.bn1", planes)
            yield f"{p}.conv2.weight", (planes, planes, 3, 3)
            yield from bn(f"{p}.bn2", planes)
            if stride != 1 or inp != planes:
                yield f"{p}.downsample.0.weight", (planes, inp, 1, 1)
                yield from bn(f"{p}.downsample.1", planes)
            inp = planes
    yield "fc.weight", (10, 8)
    yield "fc.bias", (10,)

def bn(name, c):
    for s in ["weight", "bias", "running_mean", "running_var"]:
        yield f"{name}.{s}", (c,)
    yield f"{name}.num_batches_tracked", ()

arrays = {}
for pos, (key, shape) in enumerate(shapes()):
    if key.endswith("num_batches_tracked"):
        arrays[key] = np.array(7, dtype=np.int64)
    else:
        n = int(np.prod(shape))
        arrays[key] = ((np.arange(n, dtype=np.float64) + 1) / 1000 + 10 * pos).astype(np.float32).reshape(shape)
np.savez("torchvision_resnet18_w1.npz", **arrays)
print(len(arrays), "arrays")
