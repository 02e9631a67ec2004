"""Draw packaging/windows/outpost.ico, the program's icon (run once; the .ico is committed as a source asset).

Drawn rather than painted by hand so that it can be redrawn at any size: a watchtower on a green
shield, readable at 16 px in the taskbar and the Start menu.
"""

from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 256
HERE = Path(__file__).resolve().parent


def draw() -> Image.Image:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((8, 8, SIZE - 8, SIZE - 8), radius=48, fill=(22, 101, 52, 255))
    white = (255, 255, 255, 255)
    pen.polygon([(128, 36), (196, 84), (60, 84)], fill=white)          # roof
    pen.rectangle((84, 92, 172, 124), fill=white)                       # lookout
    pen.rectangle((104, 100, 152, 116), fill=(22, 101, 52, 255))        # its window
    pen.polygon([(92, 132), (164, 132), (184, 220), (72, 220)], fill=white)  # tower
    return image


if __name__ == "__main__":
    draw().save(HERE / "outpost.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
    print(HERE / "outpost.ico")
