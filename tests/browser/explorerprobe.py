"""What a learner sees of an explorer in JupyterLab, measured in the page.

Used by the browser tier (``test_solutions.py``) and by ``bench/explorers_browser.py``. Every
explorer built by :class:`gdutils.widgets.Explorer` is a ``.gd-explorer`` box holding a
``.gd-controls`` row and an ``img.gd-figure``; :class:`ExplorerProbe` finds them in a
:class:`labdriver.NotebookPage` and

* reads their layout: the image's natural and shown size (a PNG rendered at 2× shown at half its
  pixel width is "natural"; anything wider is upscaled), the box's height, and every control's
  label (truncated when its text is wider than its box, wrapped when a one-line control takes
  two lines);
* records frames: each time the image's ``src`` changes, when the new PNG is decoded, with
  ``performance.now()`` times in the page, next to the times of the inputs that caused them;
* moves controls as a learner does: a key press on a slider's handle, a click on a toggle,
  check box or button, a choice in a menu, and a drag of a slider's handle with the mouse;
* reads the control values a frame was drawn from (the PNG's ``gd:values`` text chunk).

All waits are on page conditions, with bounded time-outs.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

#: an explorer, controls and figure together, must fit in this many CSS pixels of height
FIT_HEIGHT_PX = 900

# Tag explorers (data-gd-ex=k) and their controls (data-gd-ctl="k-i"); describe them.
_TAG_JS = r"""
() => {
  document.querySelectorAll('[data-gd-ex]').forEach(e => e.removeAttribute('data-gd-ex'));
  document.querySelectorAll('[data-gd-ctl]').forEach(e => e.removeAttribute('data-gd-ctl'));
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
  const out = [];
  document.querySelectorAll('.jp-Notebook .gd-explorer').forEach((box, k) => {
    box.setAttribute('data-gd-ex', String(k));
    const controls = [];
    const row = box.querySelector('.gd-controls');
    [...(row ? row.children : [])].forEach((el, i) => {
      el.setAttribute('data-gd-ctl', `${k}-${i}`);
      const c = el.classList;
      const kind = c.contains('widget-slider') ? 'slider'
        : c.contains('widget-toggle-buttons') ? 'toggle'
        : c.contains('widget-checkbox') ? 'checkbox'
        : c.contains('widget-dropdown') ? 'dropdown'
        : c.contains('widget-button') ? 'button' : 'other';
      // a check box's description is the span on its right; its left-hand .widget-label is
      // hidden and holds only a zero-width space
      const label = el.querySelector('.widget-label-basic span')
        || [...el.querySelectorAll('.widget-label')].find(l => getComputedStyle(l).display !== 'none');
      const text = ((label && label.innerText) || el.innerText || '').replace(/\u200b/g, '').trim();
      controls.push({index: i, kind, label: text});
    });
    const cell = box.closest('.jp-Cell');
    out.push({index: k, cell: cells.indexOf(cell), controls,
              name: box.closest('.jp-Cell').getAttribute('data-gd-name') || ''});
  });
  return out;
}
"""

# The layout of explorer k: image sizes, box height, and every label that is cut or wrapped.
_LAYOUT_JS = r"""
(k) => {
  const box = document.querySelector(`[data-gd-ex="${k}"]`);
  const img = box.querySelector('img.gd-figure');
  const r = img.getBoundingClientRect();
  const problems = [];
  const oneLine = (el) => {
    const style = getComputedStyle(el);
    const lh = parseFloat(style.lineHeight) || 1.3 * parseFloat(style.fontSize);
    return el.getBoundingClientRect().height <= 1.7 * lh + 2;
  };
  const cut = (el) => el.scrollWidth > el.clientWidth + 1;
  const name = (el) => (el.innerText || el.value || '').trim().slice(0, 60);
  box.querySelectorAll('.gd-controls > *').forEach(ctl => {
    const texts = ctl.querySelectorAll(
      '.widget-label, .widget-readout, .widget-toggle-button, .widget-label-basic span, button');
    const all = ctl.matches('button') ? [ctl, ...texts] : [...texts];
    for (const el of all) {
      if (getComputedStyle(el).display === 'none' || !name(el)) continue;
      if (cut(el)) problems.push(`truncated: "${name(el)}" (${el.scrollWidth} px of text in ${el.clientWidth} px)`);
      else if (!oneLine(el)) problems.push(`wraps: "${name(el)}"`);
    }
    // a toggle row: every button on one line, beside its description
    const buttons = [...ctl.querySelectorAll('.widget-toggle-button')];
    if (buttons.length) {
      const tops = buttons.map(b => Math.round(b.getBoundingClientRect().top));
      if (Math.max(...tops) - Math.min(...tops) > 4)
        problems.push(`toggle buttons on several rows: ${buttons.map(name).join(' | ')}`);
      const label = ctl.querySelector('.widget-label');
      if (label && name(label) && Math.abs(label.getBoundingClientRect().top
            - buttons[0].getBoundingClientRect().top) > 12)
        problems.push(`toggle buttons not beside their label "${name(label)}"`);
    }
    const sel = ctl.querySelector('select');
    if (sel) {
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = getComputedStyle(sel).font;
      const text = sel.options[sel.selectedIndex] ? sel.options[sel.selectedIndex].text : '';
      const room = sel.clientWidth - 28;      // the arrow and padding
      const widest = Math.max(...[...sel.options].map(o => ctx.measureText(o.text).width));
      if (widest > room + 1) problems.push(`menu option cut: "${text}" (${Math.round(widest)} px in ${room} px)`);
    }
    if (ctl.getBoundingClientRect().height > 44)
      problems.push(`control on two lines: "${name(ctl).replace(/\s+/g, ' ')}" (${Math.round(ctl.getBoundingClientRect().height)} px high)`);
  });
  const b = box.getBoundingClientRect();
  return {
    natural: [img.naturalWidth, img.naturalHeight],
    shown: [r.width, r.height],
    box_height: b.height,
    box_width: b.width,
    cell_width: box.closest('.jp-OutputArea-output').getBoundingClientRect().width,
    problems,
  };
}
"""

# Start recording explorer k's frames and the inputs that cause them (window.__gdRec).
_RECORD_JS = r"""
(k) => {
  if (window.__gdRec && window.__gdRec.stop) window.__gdRec.stop();
  const box = document.querySelector(`[data-gd-ex="${k}"]`);
  const img = box.querySelector('img.gd-figure');
  const rec = {inputs: [], frames: [], changes: 0, k};
  const onInput = (e) => rec.inputs.push({type: e.type, t: performance.now()});
  const types = ['keydown', 'pointerdown', 'pointerup', 'change', 'click'];
  types.forEach(t => document.addEventListener(t, onInput, {capture: true}));
  const obs = new MutationObserver(() => {
    const t = performance.now();
    rec.changes++;
    img.decode().then(() => rec.frames.push({t_src: t, t: performance.now()}),
                      () => rec.frames.push({t_src: t, t: null}));   // replaced before decoded
  });
  obs.observe(img, {attributes: true, attributeFilter: ['src']});
  // every value a slider's readout shows: a slider with few values cannot give more frames
  rec.readouts = [];
  const readObs = new MutationObserver((records) => {
    const t = performance.now();
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      const box = el && el.closest('.widget-readout');
      if (box) rec.readouts.push({t, text: box.textContent});
    }
  });
  box.querySelectorAll('.widget-readout').forEach(
    el => readObs.observe(el, {characterData: true, childList: true, subtree: true}));
  rec.stop = () => { obs.disconnect(); readObs.disconnect(); types.forEach(t => document.removeEventListener(t, onInput, {capture: true})); };
  window.__gdRec = rec;
  return true;
}
"""

_RECORDING_JS = r"""
() => { const r = window.__gdRec; return r ? {inputs: r.inputs, frames: r.frames, changes: r.changes, readouts: r.readouts} : null; }
"""

# The kernel of the notebook in front is idle (every queued comm message handled).
_KERNEL_IDLE_JS = r"""
() => { const w = window.jupyterapp.shell.currentWidget;
        const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
        return !!k && k.status === 'idle'; }
"""

# The gd:values text chunk of explorer k's current PNG (null when it has none).
_FRAME_VALUES_JS = r"""
async (k) => {
  const img = document.querySelector(`[data-gd-ex="${k}"] img.gd-figure`);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
      const view = new DataView(bytes.buffer);
      let pos = 8;
      while (pos + 8 <= bytes.length) {
        const len = view.getUint32(pos);
        const kind = String.fromCharCode(...bytes.slice(pos + 4, pos + 8));
        if (kind === 'tEXt') {
          const data = bytes.slice(pos + 8, pos + 8 + len);
          const zero = data.indexOf(0);
          const key = new TextDecoder('latin1').decode(data.slice(0, zero));
          if (key === 'gd:values') return JSON.parse(new TextDecoder('latin1').decode(data.slice(zero + 1)));
        }
        if (kind === 'IEND') break;
        pos += 12 + len;
      }
      return null;
    } catch (e) {
      await new Promise(r => setTimeout(r, 50));   // the blob was revoked by a newer frame
    }
  }
  return null;
}
"""


@dataclass
class Layout:
    """One explorer's layout as shown (CSS pixels)."""

    natural: tuple[int, int]          # the PNG's pixels
    shown: tuple[float, float]        # its box on the page
    box_height: float
    box_width: float
    cell_width: float
    problems: list[str] = field(default_factory=list)

    @property
    def scale(self) -> float:
        """Shown width over natural CSS width (the PNG's width / 2): 1 is natural, > 1 upscaled."""
        return self.shown[0] / (self.natural[0] / 2) if self.natural[0] else float("nan")

    def issues(self) -> list[str]:
        out = list(self.problems)
        if not self.scale <= 1.0 + 1e-3:
            out.append(f"figure upscaled {self.scale:.2f}× (PNG {self.natural[0]} px wide shown "
                       f"{self.shown[0]:.0f} px wide)")
        elif self.natural[0] / 2 <= self.cell_width and self.scale < 0.999:
            out.append(f"figure shown at {self.scale:.2f}× its natural size in a cell wide enough")
        if self.box_height > FIT_HEIGHT_PX:
            out.append(f"explorer {self.box_height:.0f} px high (> {FIT_HEIGHT_PX} px)")
        return out


@dataclass
class Drag:
    """One drag of a slider's handle: frames seen while dragging, and the frame it ended on."""

    control: str
    seconds: float                    # from the first move to the release
    frames_during: int                # frames decoded between the first move and the release
    frames_total: int                 # ... and until the explorer was quiet again
    readout: str                      # the slider's readout after the release
    final_values: dict[str, Any] | None    # gd:values of the last frame
    value_ok: bool                    # the last frame was drawn from the readout's value
    value_changes: int = 0            # times the readout showed a new value while dragging

    @property
    def fps(self) -> float:
        return self.frames_during / self.seconds if self.seconds > 0 else float("nan")

    @property
    def changes_per_second(self) -> float:
        return self.value_changes / self.seconds if self.seconds > 0 else float("nan")

    def keeps_up(self, goal_fps: float, share: float = 0.8) -> bool:
        """At least ``goal_fps`` frames a second, or — for a slider with so few values that a
        drag crosses fewer than that — a frame for at least ``share`` of the values crossed."""
        return self.fps >= min(goal_fps, share * self.changes_per_second)


def readout_matches(readout: str, value: Any) -> bool:
    """Whether a slider's readout shows ``value`` (to the readout's own precision)."""
    try:
        shown = float(readout.replace("−", "-"))
    except ValueError:
        return False
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    text = readout.strip().lstrip("-−").lower()
    mantissa = text.split("e")[0]
    digits = sum(ch.isdigit() for ch in mantissa.lstrip("0.")) or 1
    if isinstance(value, int) and "." not in mantissa and "e" not in text:
        return int(shown) == value
    # a readout with d significant digits is within half a unit of its last digit
    scale = abs(value) if value else 1.0
    return abs(shown - value) <= 0.51 * 10 ** (math.floor(math.log10(scale)) - digits + 1) + 1e-12


class ExplorerProbe:
    """Measure the explorers of one :class:`labdriver.NotebookPage`."""

    def __init__(self, nb: Any) -> None:
        self.nb = nb

    @property
    def page(self) -> Any:
        return self.nb.page

    def explorers(self) -> list[dict[str, Any]]:
        """Every explorer on the page, tagged: ``{index, cell, controls: [{index, kind, label}]}``."""
        return list(self.page.evaluate(_TAG_JS))

    def box(self, k: int) -> Any:
        return self.page.locator(f'[data-gd-ex="{k}"]')

    def control(self, k: int, i: int) -> Any:
        return self.page.locator(f'[data-gd-ctl="{k}-{i}"]')

    def layout(self, k: int) -> Layout:
        self.box(k).scroll_into_view_if_needed()
        d = self.page.evaluate(_LAYOUT_JS, k)
        # a frame arriving just then (the full frame after a pre-render, say) has a new src
        # that is not decoded yet: its natural size reads 0 until it is, so measure again
        deadline = time.monotonic() + 5.0
        while d["natural"][0] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
            d = self.page.evaluate(_LAYOUT_JS, k)
        return Layout(tuple(d["natural"]), tuple(d["shown"]), d["box_height"], d["box_width"],
                      d["cell_width"], d["problems"])

    # -- frames ----------------------------------------------------------------------------

    def record(self, k: int) -> None:
        self.page.evaluate(_RECORD_JS, k)

    def recording(self) -> dict[str, Any]:
        return dict(self.page.evaluate(_RECORDING_JS) or {})

    def wait_quiet(self, quiet_s: float = 0.3, timeout_s: float = 30.0) -> None:
        """Until the kernel is idle, every frame it sent is decoded, and nothing changed for
        ``quiet_s``."""
        deadline = time.monotonic() + timeout_s
        last = -1
        since = time.monotonic()
        while time.monotonic() < deadline:
            rec = self.recording()
            seen = rec.get("changes", 0)
            settled = len(rec.get("frames", [])) == seen and self.page.evaluate(_KERNEL_IDLE_JS)
            if seen != last or not settled:
                last = seen
                since = time.monotonic()
            elif time.monotonic() - since >= quiet_s:
                return
            time.sleep(0.03)
        raise TimeoutError(f"explorer frames did not settle within {timeout_s} s")

    def frame_values(self, k: int) -> dict[str, Any] | None:
        return self.page.evaluate(_FRAME_VALUES_JS, k)

    # -- one change -> one frame -----------------------------------------------------------

    def _act(self, k: int, i: int, kind: str, step: int) -> str:
        """Change control i of explorer k once, as a learner would; returns what was done."""
        ctl = self.control(k, i)
        if kind == "slider":
            handle = ctl.locator(".noUi-handle").first
            at_top = handle.evaluate("h => h.getAttribute('aria-valuenow') === h.getAttribute('aria-valuemax')")
            at_bottom = handle.evaluate("h => h.getAttribute('aria-valuenow') === h.getAttribute('aria-valuemin')")
            key = "ArrowLeft" if at_top or (step % 2 and not at_bottom) else "ArrowRight"
            handle.focus()
            self.page.keyboard.press(key)
            return key
        if kind == "toggle":
            buttons = ctl.locator(".widget-toggle-button")
            n = buttons.count()
            current = next((j for j in range(n) if "mod-active" in (buttons.nth(j).get_attribute("class") or "")), 0)
            buttons.nth((current + 1) % n).click()
            return "click"
        if kind == "checkbox":
            ctl.locator("input").click()
            return "click"
        if kind == "dropdown":
            sel = ctl.locator("select")
            options = sel.locator("option").all_inner_texts()
            current = sel.evaluate("s => s.selectedIndex")
            sel.select_option(index=(current + 1) % len(options))
            return "select"
        if kind == "button":
            ctl.click()
            return "click"
        raise ValueError(f"cannot move a control of kind {kind!r}")

    def latency(self, k: int, i: int, kind: str, moves: int = 5,
                timeout_s: float = 20.0) -> list[float]:
        """Seconds from the input event to the new figure decoded on the page, per move."""
        out = []
        for step in range(moves):
            self.record(k)
            self._act(k, i, kind, step)
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                rec = self.recording()
                done = [f for f in rec.get("frames", []) if f["t"] is not None]
                if done and rec.get("inputs"):
                    out.append((done[0]["t"] - rec["inputs"][0]["t"]) / 1000.0)
                    break
                time.sleep(0.01)
            else:
                raise TimeoutError(f"explorer {k}, control {i}: no new figure within {timeout_s} s")
            self.wait_quiet(quiet_s=0.15)
        return out

    # -- a drag ------------------------------------------------------------------------------

    def drag(self, k: int, i: int, seconds: float = 1.5, hz: float = 60.0) -> Drag:
        """Drag slider i of explorer k back and forth along its track for ``seconds``, then
        let go at about two thirds of the track; count the frames and check the last one."""
        ctl = self.control(k, i)
        ctl.scroll_into_view_if_needed()
        handle = ctl.locator(".noUi-handle").first
        track = ctl.locator(".noUi-base").first.bounding_box()
        hb = handle.bounding_box()
        assert track and hb, "slider not laid out"
        y = hb["y"] + hb["height"] / 2
        x_start = hb["x"] + hb["width"] / 2
        left, width = track["x"], track["width"]
        self.record(k)
        mouse = self.page.mouse
        mouse.move(x_start, y)
        mouse.down()
        t0 = time.monotonic()
        n = max(2, int(seconds * hz))
        for j in range(1, n + 1):
            # from the handle over to one end and back towards two thirds of the track
            f = j / n
            target = left + width * (0.66 + 0.3 * math.sin(2 * math.pi * 1.25 * f))
            x = x_start + (target - x_start) * min(1.0, 4 * f)
            mouse.move(x, y)
            pause = t0 + j / hz - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        mouse.up()
        self.wait_quiet(quiet_s=0.4)
        rec = self.recording()
        downs = [e["t"] for e in rec["inputs"] if e["type"] == "pointerdown"]
        ups = [e["t"] for e in rec["inputs"] if e["type"] == "pointerup"]
        t_down = downs[0] if downs else float("nan")
        t_up = ups[-1] if ups else float("nan")
        decoded = [f["t"] for f in rec["frames"] if f["t"] is not None]
        during = [t for t in decoded if t_down <= t <= t_up]
        shown = [r["text"] for r in rec.get("readouts", []) if t_down <= r["t"] <= t_up]
        value_changes = sum(1 for a, b in zip([None, *shown], shown) if a != b)
        readout = ctl.locator(".widget-readout").first.inner_text().strip()
        label = ctl.locator(".widget-label").first.inner_text().strip()
        values = self.frame_values(k)
        # gd:values lists [name, value] in the order the controls are shown
        pairs = (values or {}).get("values", [])
        drawn = pairs[i][1] if i < len(pairs) else None
        return Drag(label, (t_up - t_down) / 1000.0, len(during), len(decoded), readout,
                    values, drawn is not None and readout_matches(readout, drawn), value_changes)


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")
