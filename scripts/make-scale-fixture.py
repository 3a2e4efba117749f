"""Writes test/fixtures/tf-mnist-scale.json: the float32 value TensorFlow's
mnist.DataSet gives each byte 0..255, made with the exact expression it uses
(tensorflow/contrib/learn/python/learn/datasets/mnist.py, DataSet.__init__):

    images = images.astype(numpy.float32)
    images = numpy.multiply(images, 1.0 / 255.0)

Run: python3 scripts/make-scale-fixture.py   (needs numpy only)
"""
import json
import pathlib

import numpy

images = numpy.arange(256, dtype=numpy.uint8).reshape(1, 256)
images = images.astype(numpy.float32)
images = numpy.multiply(images, 1.0 / 255.0)
assert images.dtype == numpy.float32, images.dtype

out = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "tf-mnist-scale.json"
out.write_text(json.dumps({
    "made_by": "scripts/make-scale-fixture.py",
    "numpy": numpy.__version__,
    "expression": "numpy.multiply(numpy.arange(256, dtype=uint8).astype(float32), 1.0 / 255.0)",
    "float32_bits": [int(b) for b in images.view(numpy.uint32).ravel()],
}, indent=1) + "\n")
print("wrote", out)
