"""The reference bGPT's forward loss in plain PyTorch, for tests that check exported weights in the reference's terms.

The reference (github.com/sanderwood/bgpt, utils.py: bGPTLMHeadModel) builds its decoders from Hugging Face
transformers' GPT2Model / GPT2LMHeadModel (4.18), which is not installable here. This file writes that same forward
pass out by hand, reading the state dict the reference saves (`torch.load(f)["model"]`) by its own tensor names:

  patch level: one-hot(257) of each byte of a patch, concatenated (16 * 257) -> patch_embedding (Linear) -> GPT2Model
  byte level:  for patch i+1, inputs [feature of patch i, wte(byte 0..15 of patch i+1)] -> GPT2LMHeadModel with
               labels [256, byte 0..15]; HF shifts them, so position j predicts byte j; mean cross-entropy of all.
  GPT-2 block: x + attn(ln_1(x)), then x + mlp(ln_2(x)); Conv1D weights [in, out]; causal softmax(q k^T / sqrt(d_head));
               gelu_new (tanh approximation); LayerNorm eps 1e-5; heads = hidden // 64 (the reference's n_head).

Usage: python3 ref_bgpt.py WEIGHTS.pth INPUTS.json -> prints {"losses": [...], "keys": [[name, shape, dtype], ...]}
where INPUTS.json is {"files": [{"input_ids": [...]}], "patch_size": 16}. It is checked against the reference's own
numbers (tests/fixtures/parity/tiny-a/expected.json) before it is trusted with anything else.
"""
import json
import math
import sys

import torch
import torch.nn.functional as F

LN_EPS = 1e-5
VOCAB = 257


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def conv1d(x, sd, name):
    # transformers' Conv1D: x @ W + b with W stored [in, out]
    return x @ sd[f"{name}.weight"] + sd[f"{name}.bias"]


def layer_norm(x, sd, name):
    return F.layer_norm(x, (x.shape[-1],), sd[f"{name}.weight"], sd[f"{name}.bias"], LN_EPS)


def gpt2(x, sd, prefix, n_layer, n_head):
    """GPT2Model's body on inputs_embeds x [B, T, D]: learned positions, blocks, ln_f."""
    b, t, d = x.shape
    h = x + sd[f"{prefix}wpe.weight"][:t]
    hd = d // n_head
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
    for i in range(n_layer):
        p = f"{prefix}h.{i}."
        a = layer_norm(h, sd, p + "ln_1")
        q, k, v = conv1d(a, sd, p + "attn.c_attn").split(d, dim=-1)
        q, k, v = (z.view(b, t, n_head, hd).transpose(1, 2) for z in (q, k, v))  # [B, H, T, hd]
        w = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        w = torch.where(causal, w, torch.tensor(-1e4, dtype=w.dtype))
        o = (torch.softmax(w, dim=-1) @ v).transpose(1, 2).reshape(b, t, d)
        h = h + conv1d(o, sd, p + "attn.c_proj")
        m = layer_norm(h, sd, p + "ln_2")
        h = h + conv1d(gelu_new(conv1d(m, sd, p + "mlp.c_fc")), sd, p + "mlp.c_proj")
    return layer_norm(h, sd, f"{prefix}ln_f")


def layers(sd, prefix):
    n = 0
    while f"{prefix}h.{n}.ln_1.weight" in sd:
        n += 1
    return n


def loss_of(sd, ids, patch_size):
    """The reference's loss for one file (a batch of one, every mask 1)."""
    d = sd["patch_level_decoder.patch_embedding.bias"].shape[0]
    n_head = max(1, d // 64)
    patches = torch.tensor(ids, dtype=torch.long).view(1, -1, patch_size)  # [1, P, S]
    onehot = F.one_hot(patches, VOCAB).float().view(1, patches.shape[1], patch_size * VOCAB)
    emb = onehot @ sd["patch_level_decoder.patch_embedding.weight"].T + sd["patch_level_decoder.patch_embedding.bias"]
    pre = "patch_level_decoder.base."
    feats = gpt2(emb, sd, pre, layers(sd, pre), n_head)[0]  # [P, D]
    enc = feats[:-1]  # the feature of patch i predicts patch i + 1
    targets = patches[0, 1:]  # [P-1, S]
    labels = torch.cat([torch.full((targets.shape[0], 1), 256, dtype=torch.long), targets], dim=1)  # [N, S+1]
    bpre = "byte_level_decoder.base.transformer."
    wte = sd[f"{bpre}wte.weight"]
    inputs = torch.cat([enc.unsqueeze(1), F.embedding(labels, wte)[:, 1:, :]], dim=1)  # [N, S+1, D]
    h = gpt2(inputs, sd, bpre, layers(sd, bpre), n_head)
    logits = h @ sd["byte_level_decoder.base.lm_head.weight"].T  # [N, S+1, 257]
    return F.cross_entropy(logits[:, :-1, :].reshape(-1, VOCAB), labels[:, 1:].reshape(-1)).item()


def main():
    weights, inputs = sys.argv[1], sys.argv[2]
    sd = torch.load(weights, map_location="cpu")["model"]
    spec = json.load(open(inputs))
    with torch.no_grad():
        fl = {k: v.float() for k, v in sd.items() if v.is_floating_point()}
        losses = [loss_of(fl, f["input_ids"], spec.get("patch_size", 16)) for f in spec["files"]]
    keys = [[k, list(v.shape), str(v.dtype).replace("torch.", "")] for k, v in sd.items()]
    print(json.dumps({"losses": losses, "keys": keys}))


if __name__ == "__main__":
    main()
