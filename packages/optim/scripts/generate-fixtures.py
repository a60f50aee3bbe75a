#!/usr/bin/python3
"""Generates src/fixtures/torch-trajectories.json: reference trajectories for @tessera/optim.

Run with Debian's PyTorch (`apt-get install -y python3-torch`), not a pyenv Python:

    /usr/bin/python3 packages/optim/scripts/generate-fixtures.py

For every optimizer case: two small float32 parameters (shapes [3] and [2, 2]), a fixed sequence
of gradients (stored in the fixture, `null` where a parameter gets no gradient in a step) and the
parameter values after each step. For every scheduler case: the learning rate of every parameter
group right after construction and after each `step()` (and the momentum / beta1 for OneCycleLR).

Option names are written in Tessera's camelCase. Lion is not in torch.optim: its reference below
is a literal transcription of the paper's Algorithm (Chen et al. 2023, "Symbolic Discovery of
Optimization Algorithms"), in the form of the lion-pytorch reference implementation.
"""
import json
import math
import os
import warnings

import torch

warnings.filterwarnings("ignore")
torch.manual_seed(0)

STEPS = 6
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "fixtures", "torch-trajectories.json")


def snake(name):
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def to_torch_options(options):
    return {snake(k): (tuple(v) if isinstance(v, list) else v) for k, v in options.items()}


class Lion(torch.optim.Optimizer):
    """Reference Lion: c = b1*m + (1-b1)*g; p = p*(1 - lr*wd) - lr*sign(c); m = b2*m + (1-b2)*g."""

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay, maximize=maximize))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = -p.grad if group["maximize"] else p.grad
                state = self.state[p]
                if len(state) == 0:
                    state["exp_avg"] = torch.zeros_like(p)
                exp_avg = state["exp_avg"]
                p.mul_(1 - group["lr"] * group["weight_decay"])
                update = exp_avg.mul(beta1).add(grad, alpha=1 - beta1).sign_()
                p.add_(update, alpha=-group["lr"])
                exp_avg.mul_(beta2).add_(grad, alpha=1 - beta2)


OPTIMIZERS = {
    "SGD": torch.optim.SGD,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
    "RMSprop": torch.optim.RMSprop,
    "Adagrad": torch.optim.Adagrad,
    "Lion": Lion,
}

# (name, optimizer, defaults, groups or None, steps where parameter 1 gets no gradient)
OPTIMIZER_CASES = [
    ("sgd-plain", "SGD", {"lr": 0.1}, None, []),
    ("sgd-momentum", "SGD", {"lr": 0.05, "momentum": 0.9}, None, [2]),
    ("sgd-momentum-dampening-wd", "SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weightDecay": 0.01}, None, []),
    ("sgd-nesterov-wd", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weightDecay": 0.05}, None, []),
    ("sgd-maximize", "SGD", {"lr": 0.1, "momentum": 0.5, "maximize": True}, None, []),
    ("sgd-groups", "SGD", {"lr": 0.01, "momentum": 0.9}, [{"params": [0], "lr": 0.1}, {"params": [1], "momentum": 0.5}], []),
    ("adam-default", "Adam", {"lr": 0.01}, None, []),
    ("adam-wd-betas", "Adam", {"lr": 0.02, "betas": [0.8, 0.95], "eps": 1e-6, "weightDecay": 0.1}, None, [3]),
    ("adam-amsgrad", "Adam", {"lr": 0.05, "amsgrad": True}, None, []),
    ("adam-maximize", "Adam", {"lr": 0.01, "maximize": True}, None, []),
    ("adam-groups", "Adam", {"lr": 0.01}, [{"params": [0], "lr": 0.05, "amsgrad": True}, {"params": [1], "betas": [0.5, 0.9]}], []),
    ("adamw-default", "AdamW", {"lr": 0.01}, None, []),
    ("adamw-wd-amsgrad", "AdamW", {"lr": 0.03, "weightDecay": 0.2, "amsgrad": True}, None, [1]),
    ("rmsprop-default", "RMSprop", {"lr": 0.01}, None, []),
    ("rmsprop-centered", "RMSprop", {"lr": 0.01, "centered": True, "alpha": 0.9}, None, []),
    ("rmsprop-momentum-wd", "RMSprop", {"lr": 0.01, "momentum": 0.9, "weightDecay": 0.05}, None, [2]),
    ("rmsprop-centered-momentum", "RMSprop", {"lr": 0.005, "momentum": 0.5, "centered": True, "eps": 1e-6}, None, []),
    ("adagrad-default", "Adagrad", {"lr": 0.1}, None, []),
    ("adagrad-decay-init-wd", "Adagrad", {"lr": 0.1, "lrDecay": 0.05, "initialAccumulatorValue": 0.5, "weightDecay": 0.02, "eps": 1e-8}, None, [4]),
    ("lion-default", "Lion", {"lr": 0.01}, None, []),
    ("lion-wd-betas", "Lion", {"lr": 0.02, "betas": [0.8, 0.95], "weightDecay": 0.5}, None, [2]),
]


def f32list(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def optimizer_case(name, kind, defaults, groups, skip):
    shapes = [[3], [2, 2]]
    params = [torch.nn.Parameter((torch.rand(shape) * 2 + 0.5) * torch.where(torch.rand(shape) < 0.5, -1.0, 1.0)) for shape in shapes]
    initial = [f32list(p) for p in params]
    grads = [[(torch.randn(shape) * 0.5).float() for shape in shapes] for _ in range(STEPS)]
    if groups is None:
        torch_params = params
    else:
        torch_params = [{"params": [params[i] for i in g["params"]], **to_torch_options({k: v for k, v in g.items() if k != "params"})} for g in groups]
    torch_defaults = to_torch_options(defaults)
    if kind in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad"):
        torch_defaults["foreach"] = False
    opt = OPTIMIZERS[kind](torch_params, **torch_defaults)
    trajectory = [[] for _ in params]
    grad_record = [[] for _ in params]
    for step in range(STEPS):
        for i, p in enumerate(params):
            if i == 1 and step in skip:
                p.grad = None
                grad_record[i].append(None)
            else:
                p.grad = grads[step][i].clone()
                grad_record[i].append(f32list(grads[step][i]))
        opt.step()
        for i, p in enumerate(params):
            trajectory[i].append(f32list(p))
    return {
        "name": name,
        "optimizer": kind,
        "options": defaults,
        "groups": groups,
        "params": [
            {"shape": shapes[i], "initial": initial[i], "grads": grad_record[i], "trajectory": trajectory[i]}
            for i in range(len(params))
        ],
    }


S = torch.optim.lr_scheduler

# (name, scheduler kind, options (Tessera names), group lrs, torch constructor, metrics or None, steps)
SCHEDULER_CASES = [
    ("step", "StepLR", {"stepSize": 3, "gamma": 0.5}, [0.1], lambda o: S.StepLR(o, step_size=3, gamma=0.5), None, 15),
    ("step-two-groups", "StepLR", {"stepSize": 4}, [0.1, 0.02], lambda o: S.StepLR(o, step_size=4), None, 15),
    ("multistep", "MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3}, [0.5], lambda o: S.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3), None, 15),
    ("exponential", "ExponentialLR", {"gamma": 0.9}, [0.1, 0.3], lambda o: S.ExponentialLR(o, gamma=0.9), None, 15),
    ("cosine", "CosineAnnealingLR", {"tMax": 6, "etaMin": 0.001}, [0.1], lambda o: S.CosineAnnealingLR(o, T_max=6, eta_min=0.001), None, 15),
    ("cosine-two-groups", "CosineAnnealingLR", {"tMax": 10}, [0.1, 0.05], lambda o: S.CosineAnnealingLR(o, T_max=10), None, 15),
    ("cosine-warm-restarts", "CosineAnnealingWarmRestarts", {"t0": 4, "etaMin": 0.01}, [0.1], lambda o: S.CosineAnnealingWarmRestarts(o, T_0=4, eta_min=0.01), None, 15),
    ("cosine-warm-restarts-mult", "CosineAnnealingWarmRestarts", {"t0": 2, "tMult": 2}, [0.1, 0.2], lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2), None, 15),
    ("linear-warmup", "LinearLR", {"startFactor": 0.25, "totalIters": 5}, [0.1], lambda o: S.LinearLR(o, start_factor=0.25, total_iters=5), None, 15),
    ("linear-decay", "LinearLR", {"startFactor": 1.0, "endFactor": 0.1, "totalIters": 8}, [0.1, 0.4], lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=8), None, 15),
    ("onecycle-cos", "OneCycleLR", {"maxLr": 0.5, "totalSteps": 15}, [0.1], lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=15), None, 14),
    ("onecycle-linear-three-phase", "OneCycleLR", {"maxLr": [0.5, 1.0], "totalSteps": 15, "pctStart": 0.25, "annealStrategy": "linear", "threePhase": True, "divFactor": 10, "finalDivFactor": 100}, [0.1, 0.1],
     lambda o: S.OneCycleLR(o, max_lr=[0.5, 1.0], total_steps=15, pct_start=0.25, anneal_strategy="linear", three_phase=True, div_factor=10, final_div_factor=100), None, 14),
    ("onecycle-adam", "OneCycleLR", {"maxLr": 0.01, "epochs": 3, "stepsPerEpoch": 5, "baseMomentum": 0.8, "maxMomentum": 0.9}, [0.001],
     lambda o: S.OneCycleLR(o, max_lr=0.01, epochs=3, steps_per_epoch=5, base_momentum=0.8, max_momentum=0.9), None, 14),
    ("sequential-linear-exponential", "SequentialLR", {"milestones": [4]}, [0.1], None, None, 15),
    ("sequential-linear-cosine-step", "SequentialLR", {"milestones": [3, 8]}, [0.1, 0.05], None, None, 15),
    ("plateau-min", "ReduceLROnPlateau", {"mode": "min", "factor": 0.5, "patience": 1}, [0.1],
     lambda o: S.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=1), [1.0, 0.9, 0.95, 0.93, 0.92, 0.91, 0.915, 0.5, 0.6, 0.7, 0.8, 0.45, 0.46, 0.47, 0.48], 15),
    ("plateau-max-abs-cooldown", "ReduceLROnPlateau", {"mode": "max", "factor": 0.3, "patience": 0, "threshold": 0.05, "thresholdMode": "abs", "cooldown": 2, "minLr": [0.005, 0.02]}, [0.1, 0.2],
     lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.3, patience=0, threshold=0.05, threshold_mode="abs", cooldown=2, min_lr=[0.005, 0.02]),
     [0.5, 0.6, 0.62, 0.63, 0.7, 0.71, 0.72, 0.73, 0.9, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96], 15),
    ("plateau-min-rel-threshold-minlr", "ReduceLROnPlateau", {"factor": 0.1, "patience": 2, "threshold": 0.1, "minLr": 0.0005}, [0.1],
     lambda o: S.ReduceLROnPlateau(o, factor=0.1, patience=2, threshold=0.1, min_lr=0.0005),
     [1.0, 0.95, 0.92, 0.91, 0.8, 0.79, 0.78, 0.77, 0.76, 0.75, 0.74, 0.73, 0.72, 0.71, 0.7], 15),
]


def make_optimizer(lrs, kind="SGD"):
    params = [{"params": [torch.nn.Parameter(torch.zeros(2))], "lr": lr} for lr in lrs]
    if kind == "Adam":
        return torch.optim.Adam(params, lr=lrs[0])
    return torch.optim.SGD(params, lr=lrs[0], momentum=0.9)


def sequential(name, opt):
    if name == "sequential-linear-exponential":
        schedulers = [S.LinearLR(opt, start_factor=0.1, total_iters=4), S.ExponentialLR(opt, gamma=0.9)]
        return S.SequentialLR(opt, schedulers, milestones=[4]), [
            {"scheduler": "LinearLR", "options": {"startFactor": 0.1, "totalIters": 4}},
            {"scheduler": "ExponentialLR", "options": {"gamma": 0.9}},
        ]
    schedulers = [S.LinearLR(opt, start_factor=0.2, total_iters=3), S.CosineAnnealingLR(opt, T_max=5, eta_min=0.001), S.StepLR(opt, step_size=2, gamma=0.5)]
    return S.SequentialLR(opt, schedulers, milestones=[3, 8]), [
        {"scheduler": "LinearLR", "options": {"startFactor": 0.2, "totalIters": 3}},
        {"scheduler": "CosineAnnealingLR", "options": {"tMax": 5, "etaMin": 0.001}},
        {"scheduler": "StepLR", "options": {"stepSize": 2, "gamma": 0.5}},
    ]


def group_momentum(opt):
    out = []
    for g in opt.param_groups:
        out.append(g["betas"][0] if "betas" in g else g["momentum"])
    return out


def scheduler_case(name, kind, options, lrs, ctor, metrics, steps):
    optimizer_kind = "Adam" if name == "onecycle-adam" else "SGD"
    opt = make_optimizer(lrs, optimizer_kind)
    children = None
    if kind == "SequentialLR":
        sched, children = sequential(name, opt)
    else:
        sched = ctor(opt)
    record_momentum = kind == "OneCycleLR"
    lr_seq = [[g["lr"] for g in opt.param_groups]]
    mom_seq = [group_momentum(opt)] if record_momentum else None
    for i in range(steps):
        opt.step()
        if metrics is not None:
            sched.step(metrics[i])
        else:
            sched.step()
        lr_seq.append([g["lr"] for g in opt.param_groups])
        if record_momentum:
            mom_seq.append(group_momentum(opt))
    case = {
        "name": name,
        "scheduler": kind,
        "options": options,
        "optimizer": optimizer_kind,
        "groupLrs": lrs,
        "lrs": lr_seq,
    }
    if children is not None:
        case["schedulers"] = children
    if metrics is not None:
        case["metrics"] = metrics
    if mom_seq is not None:
        case["momentum"] = mom_seq
    return case


def clip_cases():
    out = []
    for name, max_norm, norm_type in [("l2-clipped", 1.0, 2.0), ("l2-unclipped", 100.0, 2.0), ("inf-clipped", 0.5, math.inf), ("l1-clipped", 2.0, 1.0), ("l3-clipped", 1.5, 3.0)]:
        grads = [torch.randn(3) * 2, torch.randn(2, 2)]
        params = [torch.nn.Parameter(torch.zeros_like(g)) for g in grads]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
        out.append({
            "name": name,
            "maxNorm": max_norm,
            "normType": "Infinity" if math.isinf(norm_type) else norm_type,
            "grads": [{"shape": list(g.shape), "values": f32list(g)} for g in grads],
            "clipped": [f32list(p.grad) for p in params],
            "totalNorm": float(total),
        })
    return out


def main():
    fixture = {
        "generatedWith": f"torch {torch.__version__} (scripts/generate-fixtures.py)",
        "optimizers": [optimizer_case(*c) for c in OPTIMIZER_CASES],
        "schedulers": [scheduler_case(*c) for c in SCHEDULER_CASES],
        "clipGradNorm": clip_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: {len(fixture['optimizers'])} optimizer cases, {len(fixture['schedulers'])} scheduler cases")


if __name__ == "__main__":
    main()
