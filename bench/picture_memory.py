"""Peak memory of making one picture rendition: `python bench/picture_memory.py`.

Writes a large JPEG and a large PNG into a throwaway media folder, then for
each one starts a fresh Python process that reads its size (as a page does)
and makes a single rendition (as the rendition view does), and reports how
much its peak resident memory (VmHWM in /proc/self/status) had grown after
each step. Pillow allocates pixels outside Python's
allocator, so tracemalloc would not see them; a separate process per
picture keeps one measurement out of the next.

    python bench/picture_memory.py                      # 360 px WebP of each
    python bench/picture_memory.py --width 1440 --ext jpg
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
PICTURES = {
    "photo.jpg": ((7000, 5000), "JPEG"),
    "drawing.png": ((6000, 6000), "PNG"),
    "huge.png": ((12000, 12000), "PNG"),
}

CHILD = """
import json, os, sys
import django
django.setup()
from django.core.files.storage import default_storage
from hallingdal import images
from programme.models import Programme

def peak_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])

name, width, ext = sys.argv[1], int(sys.argv[2]), sys.argv[3]
programme = Programme(slug="bench", image=name)
before = peak_kib()
source = images.source_info(programme.image)
after_source = peak_kib()
made = None
if source is not None:
    try:
        made = len(images.render_rendition(programme.image, source, width, ext) or b"")
    except Exception as error:
        made = repr(error)
print(json.dumps(
    {"before": before, "after_source": after_source, "after": peak_kib(), "made": made}
))
"""


def write_pictures(media_root):
    for name, (size, fmt) in PICTURES.items():
        image = Image.new("RGB", size, (90, 120, 160))
        draw = ImageDraw.Draw(image)
        for step in range(0, size[0], 250):
            draw.line((step, 0, size[0] - step, size[1]), fill=(240, 200, 40), width=9)
        output = io.BytesIO()
        image.save(output, fmt, quality=90) if fmt == "JPEG" else image.save(output, fmt)
        (media_root / name).write_bytes(output.getvalue())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=360)
    parser.add_argument("--ext", default="webp", choices=["webp", "jpg", "png"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as media_root:
        write_pictures(Path(media_root))
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "hallingdal.settings",
            "DJANGO_MEDIA_ROOT": media_root,
        }
        print(
            f"{'picture':<14} {'pixels':>12} {'file':>9} {'size read':>10} {'rendition':>10}"
            "  result"
        )
        for name, (size, _fmt) in PICTURES.items():
            result = subprocess.run(
                [sys.executable, "-c", CHILD, name, str(args.width), args.ext],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(result.stdout.splitlines()[-1])
            reading = (figures["after_source"] - figures["before"]) / 1024
            growth = (figures["after"] - figures["before"]) / 1024
            file_size = (Path(media_root) / name).stat().st_size // 1024
            made = figures["made"]
            outcome = f"{made} bytes" if isinstance(made, int) else (made or "refused")
            print(
                f"{name:<14} {size[0]}x{size[1]:<7} {file_size:>6} KB {reading:>7.0f} MB"
                f" {growth:>7.0f} MB  {outcome}"
            )


if __name__ == "__main__":
    main()
