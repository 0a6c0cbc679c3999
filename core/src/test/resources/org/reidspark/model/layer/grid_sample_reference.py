# Reference values for BilinearSamplerTest.matchesPyTorch: PyTorch's affine_grid + grid_sample (bilinear, zeros),
# forward and backward, in float64. Run with any PyTorch >= 1.3 (align_corners exists; used: Debian's python3-torch
# 1.13.1): python3 grid_sample_reference.py > out.txt, then paste the arrays into the test.
import math
import torch
import torch.nn.functional as F

B, C, H, W, h, w = 2, 2, 5, 4, 3, 6


def rotated(a, sx, sy, tx, ty):
    return [sx * math.cos(a), -sy * math.sin(a), tx, sx * math.sin(a), sy * math.cos(a), ty]


x0 = torch.tensor([math.sin(0.7 * n + 0.3) for n in range(B * C * H * W)], dtype=torch.float64).view(B, C, H, W)
t0 = torch.tensor([rotated(0.4, 0.8, 0.6, 0.15, -0.2), [1.1, 0.2, -0.3, -0.1, 0.5, 0.4]], dtype=torch.float64)
dy = torch.tensor([math.cos(0.37 * n + 0.1) for n in range(B * C * h * w)], dtype=torch.float64).view(B, C, h, w)


def java(name, t):
    print("    private static final double[] %s = {%s};" % (name, ", ".join(repr(v) for v in t.reshape(-1).tolist())))


print("// torch", torch.__version__)
for ac in (True, False):
    x = x0.clone().requires_grad_(True)
    t = t0.clone().requires_grad_(True)
    grid = F.affine_grid(t.view(B, 2, 3), [B, C, h, w], align_corners=ac)
    y = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=ac)
    (y * dy).sum().backward()
    tag = "ALIGNED" if ac else "UNALIGNED"
    java("TORCH_Y_" + tag, y.detach())
    java("TORCH_DX_" + tag, x.grad)
    java("TORCH_DTHETA_" + tag, t.grad)
