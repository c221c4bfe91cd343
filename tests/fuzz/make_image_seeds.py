#!/usr/bin/python3
"""Writes the image fuzz target's seed corpus and crafted regression inputs.

Usage: /usr/bin/python3 tests/fuzz/make_image_seeds.py tests/fuzz

The files are committed (tests/fuzz/corpus/image, tests/fuzz/regressions/image);
this script records how they were made and remakes them. PNGs are written by
hand so every bit depth, colour type and interlacing can be covered (Pillow
writes only some); JPEGs come from Pillow. Debian's python3-pil and numpy.
"""
import io
import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def pack_rows(samples, depth):
    """Rows of samples (h, w*channels) as PNG scanline bytes, filter 0."""
    rows = []
    for row in samples:
        if depth == 16:
            data = b"".join(struct.pack(">H", int(v)) for v in row)
        elif depth == 8:
            data = bytes(int(v) for v in row)
        else:
            per = 8 // depth
            data = bytearray()
            for i in range(0, len(row), per):
                byte = 0
                for k in range(per):
                    v = int(row[i + k]) if i + k < len(row) else 0
                    byte |= v << (8 - depth * (k + 1))
                data.append(byte)
            data = bytes(data)
        rows.append(b"\0" + data)
    return b"".join(rows)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def png(samples, depth, colour_type, interlace=False, extra=b"", palette=None, trns=None):
    """samples: (h, w, channels) integers within the bit depth."""
    h, w, c = samples.shape
    if interlace:
        raw = b""
        for x0, y0, dx, dy in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.size:
                raw += pack_rows(sub.reshape(sub.shape[0], -1), depth)
    else:
        raw = pack_rows(samples.reshape(h, -1), depth)
    out = b"\x89PNG\r\n\x1a\n"
    out += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, colour_type, 0, 0, int(interlace)))
    out += extra
    if palette is not None:
        out += chunk(b"PLTE", bytes(palette))
    if trns is not None:
        out += chunk(b"tRNS", trns)
    out += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    return out


def gradient(h, w, c, maxval, seed=0):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = (x * 7 + y * 13) % (maxval + 1)
    planes = [(base + rng.integers(0, maxval + 1, (h, w)) * (k % 2)) % (maxval + 1) for k in range(c)]
    return np.stack(planes, axis=-1)


def jpeg(image, **options):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def photo_crop(size):
    here = os.path.dirname(os.path.abspath(__file__))
    photo = Image.open(os.path.join(here, "..", "data", "astronaut_128.png")).convert("RGB")
    return photo.crop((40, 20, 40 + size, 20 + size))


def seeds():
    s = {}
    for depth in (1, 2, 4, 8, 16):
        s[f"grey{depth}.png"] = png(gradient(5, 7, 1, 2**depth - 1), depth, 0)
    s["grey16_interlaced.png"] = png(gradient(9, 11, 1, 65535), 16, 0, interlace=True)
    for depth in (8, 16):
        m = 2**depth - 1
        s[f"grey_alpha{depth}.png"] = png(gradient(5, 7, 2, m), depth, 4)
        s[f"rgb{depth}.png"] = png(gradient(5, 7, 3, m), depth, 2)
        s[f"rgba{depth}.png"] = png(gradient(5, 7, 4, m), depth, 6)
    s["rgb8_interlaced.png"] = png(gradient(7, 5, 3, 255), 8, 2, interlace=True)
    for depth in (1, 2, 4, 8):
        n = 2**depth
        palette = [(i * 37 + k * 91) % 256 for i in range(n) for k in range(3)]
        s[f"palette{depth}_trns.png"] = png(gradient(5, 7, 1, n - 1), depth, 3, palette=palette,
                                            trns=bytes([255, 0][: min(n, 2)]))
    text = chunk(b"gAMA", struct.pack(">I", 45455)) + chunk(b"tEXt", b"Comment\0fuzz seed")
    text += chunk(b"zTXt", b"Title\0\0" + zlib.compress(b"ismooth"))
    s["rgb8_ancillary.png"] = png(gradient(4, 4, 3, 255), 8, 2, extra=text)
    s["one_pixel.png"] = png(np.array([[[200, 10, 30]]]), 8, 2)
    # Just above the target's 64x64 limit for E and B, so that branch is seeded.
    s["grey8_65x65.png"] = png(np.zeros((65, 65, 1), int), 8, 0)
    crop = photo_crop(48)
    buffer = io.BytesIO()
    crop.save(buffer, "PNG", optimize=True)
    s["photo48.png"] = buffer.getvalue()
    small = photo_crop(16)
    s["photo16_baseline_420.jpg"] = jpeg(small, quality=75, subsampling=2)
    s["photo16_444.jpg"] = jpeg(small, quality=90, subsampling=0)
    s["photo16_progressive.jpg"] = jpeg(small, quality=60, progressive=True)
    s["photo16_optimized.jpg"] = jpeg(small, quality=50, optimize=True, subsampling=1)
    s["photo16_grey.jpg"] = jpeg(small.convert("L"), quality=70)
    s["photo16_grey_progressive.jpg"] = jpeg(small.convert("L"), quality=70, progressive=True)
    s["photo48.jpg"] = jpeg(crop, quality=40)
    s["photo16_cmyk.jpg"] = jpeg(small.convert("CMYK"), quality=70)  # refused: CMYK
    return s


def regressions(s):
    """Inputs for issue 13's defects and other hostile headers."""
    r = {}
    # 1. 16-bit grey PGM: crashed stb (heap over-read); now refused as PNM.
    pgm = b"P5\n4 3\n65535\n" + b"".join(struct.pack(">H", v * 4000) for v in range(12))
    r["pgm_16bit_grey.pgm"] = pgm
    # 3. Truncated BMP, TGA, PNM, GIF: were accepted with garbage pixels.
    bmp = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 30)).save(bmp, "BMP")
    r["bmp_truncated.bmp"] = bmp.getvalue()[:80]
    tga = struct.pack("<BBBHHBHHHHBB", 0, 0, 2, 0, 0, 0, 0, 0, 8, 8, 24, 0) + b"\x40" * 50
    r["tga_truncated.tga"] = tga
    r["ppm_truncated.ppm"] = b"P6\n8 8\n255\n" + b"\x80" * 40
    gif = io.BytesIO()
    Image.new("P", (8, 8), 3).save(gif, "GIF")
    r["gif_truncated.gif"] = gif.getvalue()[:30]
    # 3. An 18-byte TGA header claiming 65535x65535: made stb allocate 4-5 GiB.
    r["tga_header_bomb.tga"] = struct.pack("<BBBHHBHHHHBB", 0, 0, 2, 0, 0, 0, 0, 0, 65535, 65535, 32, 0)
    # Headers claiming huge sizes, with valid checksums.
    def ihdr_only(w, h):
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
            chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    r["png_huge_16384x16384.png"] = ihdr_only(16384, 16384)  # exactly 2^28 pixels
    r["png_huge_65535x65535.png"] = ihdr_only(65535, 65535)
    r["png_width_2e31.png"] = ihdr_only(2**31 - 1, 1)
    r["png_zero_height.png"] = ihdr_only(7, 0)
    sof = s["photo16_baseline_420.jpg"]
    i = sof.index(b"\xff\xc0")
    r["jpeg_sof_65500x65500.jpg"] = sof[: i + 5] + struct.pack(">HH", 65500, 65500) + sof[i + 9:]
    prog = s["photo16_progressive.jpg"]
    i = prog.index(b"\xff\xc2")
    # A progressive JPEG claiming 65500x65500 with the data of 16x16: the
    # coefficient buffer is allocated for the whole image before any scan.
    r["jpeg_progressive_65500x65500.jpg"] = prog[: i + 5] + struct.pack(">HH", 65500, 65500) + prog[i + 9:]
    # The same within the limits (2.56e8 pixels): must fail on the data, fast.
    r["jpeg_progressive_16000x16000.jpg"] = prog[: i + 5] + struct.pack(">HH", 16000, 16000) + prog[i + 9:]
    # Truncated PNG and JPEG, cut inside the compressed data.
    p = s["photo48.png"]
    r["png_truncated_idat.png"] = p[: len(p) // 2]
    r["png_no_iend.png"] = p[:-12]
    j = s["photo48.jpg"]
    r["jpeg_truncated_scan.jpg"] = j[: len(j) * 2 // 3]
    r["jpeg_progressive_truncated.jpg"] = prog[: len(prog) * 2 // 3]
    # A PNG with a wrong IDAT CRC, and a JPEG whose Huffman table counts more
    # than 256 codes (stb's Huffman builder wrote out of bounds on such tables).
    bad = bytearray(s["rgb8.png"])
    k = bad.index(b"IEND") - 8
    bad[k] ^= 0xFF
    r["png_bad_idat_crc.png"] = bytes(bad)
    huff = bytearray(sof)
    i = huff.index(b"\xff\xc4")
    for n in range(16):
        huff[i + 5 + n] = 0xFF
    r["jpeg_huffman_overfull.jpg"] = bytes(huff)
    # A progressive JPEG whose first scan is an AC scan: stb used Huffman
    # tables never defined (uninitialised reads).
    r["jpeg_progressive_no_dht.jpg"] = remove_segments(prog, 0xC4)
    return r


def remove_segments(data, marker):
    """Drops every segment with the given marker from a JPEG's header."""
    out, i = bytearray(data[:2]), 2
    while i + 4 <= len(data) and data[i] == 0xFF and data[i + 1] != 0xDA:
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if data[i + 1] != marker:
            out += data[i:i + 2 + length]
        i += 2 + length
    return bytes(out + data[i:])


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    s = seeds()
    for folder, files in (("corpus/image", s), ("regressions/image", regressions(s))):
        os.makedirs(os.path.join(root, folder), exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(root, folder, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
