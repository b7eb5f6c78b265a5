-- common/svg.lua - the pieces of the workflows' SVG charts, written
-- directly as text: the opening of a chart, an axis of percentages and
-- the height of a bar.  Deterministic: fixed layout, whole pixels rounded
-- half-up on integers, every text XML-escaped.
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

return S
