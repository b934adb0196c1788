#!/usr/bin/env python3
# Makes the small checkpoint files under test/fixtures/io/ with the real torch, safetensors and transformers.
#
# Run with the venv that has torch 2.x: /work/venv/bin/python scripts/make-io-fixtures.py
# Every file is checked by loading it back with the library that defines the format.
import json
import os
import shutil
import struct
import tempfile
import zipfile
import zlib
from collections import OrderedDict

import torch
from safetensors.torch import save_file, load_file

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'io')
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)


def describe(tensors):
    """The expected values: dtype after loading (float32/int32), shape and flat values."""
    out = {}
    for key, t in tensors.items():
        is_float = t.dtype.is_floating_point
        values = t.detach().to(torch.float32 if is_float else torch.int64).contiguous().reshape(-1).tolist()
        out[key] = {'dtype': 'float32' if is_float else 'int32', 'shape': list(t.shape), 'data': values}
    return out


def write_json(name, value):
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(value, f)
        f.write('\n')


# --- safetensors with every dtype the reader converts
st = {
    'f32': torch.randn(2, 3),
    'f16': torch.tensor([[1.5, -2.25, 65504.0], [6e-8, 0.0, -0.0]], dtype=torch.float16),
    'bf16': torch.randn(3, 2).to(torch.bfloat16),
    'f64': torch.randn(4, dtype=torch.float64),
    'i64': torch.tensor([0, 1, -5, 2**31 - 1, -(2**31)], dtype=torch.int64),
    'i32': torch.tensor([[7, -8]], dtype=torch.int32),
    'u8': torch.tensor([0, 200, 255], dtype=torch.uint8),
    'bool': torch.tensor([True, False, True]),
    'scalar': torch.tensor(3.25),
    'empty': torch.zeros(0, 4),
}
save_file(st, os.path.join(OUT, 'dtypes.safetensors'), metadata={'format': 'pt', 'note': 'fixture'})
assert set(load_file(os.path.join(OUT, 'dtypes.safetensors'))) == set(st)
write_json('dtypes.expected.json', describe(st))

# The writer must produce these bytes exactly (same header layout, order and padding as the reference).
reference = {'b.weight': torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4, 'a.bias': torch.tensor([-1.0, 0.5]),
             'ids': torch.tensor([[3, -4]], dtype=torch.int32), '10': torch.tensor([1.0]), 'x': torch.zeros(0, 2)}
save_file(reference, os.path.join(OUT, 'written-by-python.safetensors'), metadata={'format': 'pt'})

# int64 beyond int32: must fail naming the key
save_file({'ok': torch.tensor([1]), 'big_ids': torch.tensor([1, 2**40])}, os.path.join(OUT, 'int64-overflow.safetensors'))

# --- a sharded safetensors checkpoint made by transformers itself
from transformers import BertConfig, BertModel

config = BertConfig(vocab_size=20, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16,
                    max_position_embeddings=16, type_vocab_size=2)
bert = BertModel(config).eval()
sharded_dir = os.path.join(OUT, 'sharded')
shutil.rmtree(sharded_dir, ignore_errors=True)
with tempfile.TemporaryDirectory() as tmp:
    bert.save_pretrained(tmp, max_shard_size='2KB')
    os.makedirs(sharded_dir)
    for name in os.listdir(tmp):
        if name.endswith('.safetensors') or name.endswith('.index.json'):
            shutil.copy(os.path.join(tmp, name), sharded_dir)
index = json.load(open(os.path.join(sharded_dir, 'model.safetensors.index.json')))
assert len(set(index['weight_map'].values())) > 1, 'expected several shards'
merged = {}
for shard in set(index['weight_map'].values()):
    merged.update(load_file(os.path.join(sharded_dir, shard)))
write_json('sharded.expected.json', describe(merged))

# --- pytorch_model.bin: zip format (torch.save default) and the legacy format
base = torch.randn(4, 6)
linear = torch.nn.Linear(3, 2)
shared = torch.randn(5, 2)
state = OrderedDict()
state['linear.weight'] = linear.weight  # an nn.Parameter: pickled through _rebuild_parameter
state['linear.bias'] = linear.bias.detach()
state['transposed'] = base.t()  # non-contiguous strides
state['slice'] = base[1:3, 2:5]  # storage offset plus strides, shares storage with 'transposed'
state['tied.a'] = shared
state['tied.b'] = shared  # the same tensor twice
state['half'] = torch.randn(2, 3).half()
state['bfloat'] = torch.randn(3).to(torch.bfloat16)
state['long'] = torch.tensor([[1, -2], [3, 2**31 - 1]], dtype=torch.int64)
state['int'] = torch.tensor([5, 6], dtype=torch.int32)
state['scalar'] = torch.tensor(2.5)
state['empty'] = torch.zeros(0)
expected_bin = describe(state)
write_json('state-dict.expected.json', expected_bin)

zip_path = os.path.join(OUT, 'state-dict.bin')
torch.save(state, zip_path)
legacy_path = os.path.join(OUT, 'state-dict-legacy.bin')
torch.save(state, legacy_path, _use_new_zipfile_serialization=False)
for path in (zip_path, legacy_path):
    assert describe(torch.load(path, weights_only=True)) == expected_bin, path

# A full model's state_dict(), with its _metadata attribute (BUILD on the OrderedDict).
torch.save(bert.state_dict(), os.path.join(OUT, 'bert-tiny.bin'))
save_file({k: v.contiguous() for k, v in bert.state_dict().items()}, os.path.join(OUT, 'bert-tiny.safetensors'),
          metadata={'format': 'pt'})

# Same archive with deflated entries (other zip writers compress).
with zipfile.ZipFile(zip_path) as source, zipfile.ZipFile(os.path.join(OUT, 'state-dict-deflated.bin'), 'w') as target:
    for info in source.infolist():
        target.writestr(info.filename, source.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)


def write_zip(path, entries, zip64):
    """A minimal zip writer; with zip64 every size and offset goes through the ZIP64 records, as in huge files."""
    out = bytearray()
    central = bytearray()
    for name, data in entries:
        name_bytes = name.encode()
        crc = zlib.crc32(data)
        offset = len(out)
        if zip64:
            extra = struct.pack('<HHQQ', 1, 16, len(data), len(data))
            out += struct.pack('<IHHHHHIIIHH', 0x04034b50, 45, 0, 0, 0, 0, crc, 0xffffffff, 0xffffffff, len(name_bytes), len(extra))
        else:
            extra = b''
            out += struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, 0, 0, 0, crc, len(data), len(data), len(name_bytes), 0)
        out += name_bytes + extra + data
        if zip64:
            cextra = struct.pack('<HHQQQ', 1, 24, len(data), len(data), offset)
            central += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 45, 45, 0, 0, 0, 0, crc, 0xffffffff, 0xffffffff,
                                   len(name_bytes), len(cextra), 0, 0, 0, 0, 0xffffffff)
        else:
            cextra = b''
            central += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 20, 20, 0, 0, 0, 0, crc, len(data), len(data),
                                   len(name_bytes), 0, 0, 0, 0, 0, offset)
        central += name_bytes + cextra
    central_offset = len(out)
    out += central
    if zip64:
        record_offset = len(out)
        out += struct.pack('<IQHHIIQQQQ', 0x06064b50, 44, 45, 45, 0, 0, len(entries), len(entries), len(central), central_offset)
        out += struct.pack('<IIQI', 0x07064b50, 0, record_offset, 1)
        out += struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, 0xffff, 0xffff, 0xffffffff, 0xffffffff, 0)
    else:
        out += struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, len(entries), len(entries), len(central), central_offset, 0)
    with open(path, 'wb') as f:
        f.write(out)


with zipfile.ZipFile(zip_path) as source:
    entries = [(info.filename, source.read(info.filename)) for info in source.infolist()]
zip64_path = os.path.join(OUT, 'state-dict-zip64.bin')
write_zip(zip64_path, entries, zip64=True)
with zipfile.ZipFile(zip64_path) as check:
    assert check.testzip() is None
assert describe(torch.load(zip64_path, weights_only=True)) == expected_bin

# A pickle asking for os.system, written opcode by opcode: it is never unpickled here.
evil_pickle = (b'\x80\x02' + b'cos\nsystem\n' + b'X\x0a\x00\x00\x00echo pwned' + b'\x85' + b'R' + b'.')
write_zip(os.path.join(OUT, 'malicious.bin'), [('archive/data.pkl', evil_pickle), ('archive/byteorder', b'little')], zip64=False)

for name in sorted(os.listdir(OUT)):
    path = os.path.join(OUT, name)
    size = sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path)) if os.path.isdir(path) else os.path.getsize(path)
    print(f'{name}: {size} bytes')
