"""The issuing station's seal on a 志愿服务记录证明: a round red seal drawn with reportlab.

The drawn seal shows who issued the certificate, as Chinese electronic certificates do: a red
ring, the station's name in an arc over the top, a five-pointed star in the middle and a line
of text below (CERTIFICATE_SEAL_TEXT, 志愿服务专用章). It proves nothing by itself: the proof is
the keyed signature printed beside it and checked by the verification page.

A real CA-backed 电子印章 (a seal image signed by a seal platform under GB/T 38540) replaces it
without touching the layout: write a SealFactory that returns a Flowable of that image (e.g.
reportlab.platypus.Image of the PNG the platform returns for the station) and pass it to
certificate_pdf.render_certificate(seal=...) in certificates.render, the one caller.
"""

import math
from collections.abc import Callable

from reportlab.lib import colors
from reportlab.platypus import Flowable

SEAL_RED = colors.HexColor("#D7261E")
# (issuer name, seal text, size in points) → the flowable drawn beside the signed serial.
SealFactory = Callable[[str, str, float], Flowable]


class DrawnSeal(Flowable):
    """A round red seal of `size` points: ring, issuer name in an arc, star, text below."""

    def __init__(self, issuer: str, text: str, size: float, font: str) -> None:
        super().__init__()
        self.issuer, self.text, self.size, self.font = issuer, text, size, font

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        """A fixed square."""
        return self.size, self.size

    def draw(self) -> None:
        canvas, r = self.canv, self.size / 2
        ring = r * 0.06
        canvas.saveState()
        canvas.setStrokeColor(SEAL_RED)
        canvas.setFillColor(SEAL_RED)
        canvas.setLineWidth(ring)
        canvas.circle(r, r, r - ring / 2, stroke=1, fill=0)
        self._star(r, r, r * 0.27)
        self._arc_text(r, ring)
        bottom_size = min(r * 0.17, (r * 1.1) / max(len(self.text), 1))
        canvas.setFont(self.font, bottom_size)
        canvas.drawCentredString(r, r * 0.42, self.text)
        canvas.restoreState()

    def _star(self, cx: float, cy: float, outer: float) -> None:
        """A filled five-pointed star, one point up."""
        inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(54))
        path = self.canv.beginPath()
        for i in range(10):
            radius = outer if i % 2 == 0 else inner
            angle = math.radians(90 + i * 36)
            x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
            if i == 0:
                path.moveTo(x, y)
            else:
                path.lineTo(x, y)
        path.close()
        self.canv.drawPath(path, stroke=0, fill=1)

    def _arc_text(self, r: float, ring: float) -> None:
        """The issuer's name, upright letters on an arc over the top, left to right."""
        chars = list(self.issuer) or ["—"]
        size = r * 0.24
        max_span = 250.0  # degrees of the ring the name may cover
        baseline = r - ring * 1.8 - size * 0.88
        step = math.degrees(size * 1.08 / baseline)
        if step * (len(chars) - 1) > max_span:  # a long name: smaller letters, closer
            step = max_span / (len(chars) - 1)
            size = math.radians(step) * baseline / 1.08
            baseline = r - ring * 1.8 - size * 0.88
        span = step * (len(chars) - 1)
        self.canv.setFont(self.font, size)
        for i, char in enumerate(chars):
            angle = 90 + span / 2 - i * step
            theta = math.radians(angle)
            self.canv.saveState()
            self.canv.translate(r + baseline * math.cos(theta), r + baseline * math.sin(theta))
            self.canv.rotate(angle - 90)
            self.canv.drawCentredString(0, 0, char)
            self.canv.restoreState()


def drawn_seal(font: str) -> SealFactory:
    """The default SealFactory: the drawn seal in the certificate's embedded font."""

    def make(issuer: str, text: str, size: float) -> Flowable:
        return DrawnSeal(issuer, text, size, font)

    return make
