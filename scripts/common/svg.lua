-- common/svg.lua - the pieces of the workflows' SVG charts, written
-- directly as text: the opening of a chart, an axis of percentages, the
-- height of a bar, the colours of the series, ticks at round numbers and
-- the room a text takes.  Deterministic: fixed layout, whole pixels
-- rounded half-up on integers, every text XML-escaped.
--   local S = require "common.svg"
local regie = regie or require "regie"

local S = {}

-- The <svg> element with its <title> and a white background; add(s)
-- appends a line.
function S.open(add, width, height, title)
  add(string.format('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
                    .. 'font-family="sans-serif" font-size="11" role="img">', width, height, width, height))
  add(string.format("<title>%s</title>", regie.html(title)))
  add(string.format('<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>', width, height))
end

-- Grid lines at 0, 100/steps, ..., 100 % of a plot `plot_h` high whose
-- bottom is y0, from x = left to x2, labelled left of `left`.
function S.pct_axis(add, left, y0, plot_h, x2, steps)
  for k = 0, steps do
    local y = y0 - plot_h * k // steps
    add(string.format('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#cccccc"/>', left, y, x2, y))
    add(string.format('<text x="%d" y="%d" text-anchor="end">%d%%</text>', left - 4, y + 4, k * 100 // steps))
  end
end

-- The height in whole pixels of a bar num/den of `h`, rounded half-up on
-- integers; 0 when den is 0.
function S.bar_height(num, den, h)
  return den > 0 and (num * h * 2 + den) // (2 * den) or 0
end

-- The colours of a chart's series, in this order: Okabe & Ito's palette
-- for colour-blind readers, ordered so that no two neighbours (the last
-- and the first included, for more series than colours) look alike with a
-- red or a green blind eye (deuteranopia, protanopia).  NEUTRAL (a dark
-- grey) stands apart from each of them: for a series of another kind
-- (the price beside the criteria).  GOOD and BAD: a pair for "meets the
-- norm" and "does not" that is not told apart by red and green alone.
S.PALETTE = { "#0072B2", "#E69F00", "#56B4E9", "#D55E00", "#CC79A7", "#F0E442", "#009E73", "#000000" }
S.NEUTRAL = "#444444"
S.GOOD = "#0072B2"
S.BAD = "#D55E00"

-- The colour of series i (1, 2, ...).
function S.colour(i)
  return S.PALETTE[(i - 1) % #S.PALETTE + 1]
end

-- The width in pixels a text takes at font size `size`, roughly: 0.62 of
-- the size per character (0.68 bold), a little more than the average of a
-- sans-serif font, so that a label measured by it is not cut off.
function S.text_width(text, size, bold)
  local n = utf8.len(text) or #text
  return math.ceil(n * size * (bold and 0.68 or 0.62))
end

-- Ticks at round numbers for an axis from 0 to at least `max`:
-- { step = s, top = t, values = { 0, s, 2s, ..., t } }.  The step is 1, 2,
-- 2.5 or 5 times a power of ten; the largest that divides max into 4 to 10
-- parts (90 points: 0, 10, ..., 90; 100: 0, 25, 50, 75, 100), else the
-- smallest that reaches max in at most 10 (97: 0, 10, ..., 100).
function S.ticks(max)
  if not max or max <= 0 then
    return { step = 1, top = 1, values = { 0, 1 } }
  end
  local steps = {}
  for k = -2, 9 do
    for _, m in ipairs({ 1, 2, 2.5, 5 }) do
      steps[#steps + 1] = m * 10.0 ^ k
    end
  end
  local step, top
  for i = #steps, 1, -1 do
    local n = max / steps[i]
    local whole = math.floor(n + 0.5)
    if math.abs(n - whole) < 1e-9 * n and whole >= 4 and whole <= 10 then
      step, top = steps[i], max
      break
    end
  end
  if not step then
    for _, st in ipairs(steps) do
      local n = math.ceil(max / st - 1e-9)
      if n <= 10 then
        step, top = st, n * st
        break
      end
    end
  end
  local values = {}
  local n = math.floor(top / step + 0.5)
  for k = 0, n do
    local v = k * step
    -- a whole number as an integer (the labels print no ".0")
    values[#values + 1] = (v == math.floor(v) and math.abs(v) < 2 ^ 53) and math.floor(v) or v
  end
  return { step = step, top = top, values = values }
end

return S
