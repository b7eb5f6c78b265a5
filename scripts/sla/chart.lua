-- sla/chart.lua - the on-time share per week as SVG text: one bar per
-- week (the week of the due date) of the requests counted, a dashed line
-- at the target.  Deterministic: fixed layout, colours and number
-- formatting; every text is XML-escaped.

local L = require "sla.lib"
local S = require "common.svg"

local C = {}

-- (on time and below the norm: a pair not told apart by red and green
-- alone, common/svg.lua)
C.ON_TIME = S.GOOD
C.BELOW = S.BAD

-- weeks: a list of { week = "2026-W15", on_time = n, counted = m } in
-- week order; target: the target percentage.  Returns the SVG text.
function C.render(weeks, target, title)
  local left, top, plot_h, barw, gap = 50, 40, 200, 28, 8
  local width = left + math.max(1, #weeks) * (barw + gap) + 20
  local height = top + plot_h + 60
  local out = {}
  local function add(s)
    out[#out + 1] = s
  end
  local html = regie.html
  S.open(add, width, height, title)
  add(string.format('<text x="10" y="20" font-size="13" font-weight="bold">%s</text>', html(title)))
  local y0 = top + plot_h
  -- the axis: 0, 25, 50, 75, 100 %
  S.pct_axis(add, left, y0, plot_h, width - 10, 4)
  for i, w in ipairs(weeks) do
    local x = left + (i - 1) * (barw + gap) + gap // 2
    -- the height in whole pixels, rounded half-up on integers
    local h = S.bar_height(w.on_time, w.counted, plot_h)
    local ok = w.on_time * 100 >= target * w.counted
    local pct = L.pct(w.on_time, w.counted, 1)
    add(string.format('<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s</title></rect>', x,
                      y0 - h, barw, h, ok and C.ON_TIME or C.BELOW,
                      html(string.format("%s: %s%% op tijd (%d van %d)", w.week, pct:gsub("%.", ","),
                                         w.on_time, w.counted))))
    add(string.format('<text x="%d" y="%d" text-anchor="end" transform="rotate(-45 %d %d)">%s</text>',
                      x + barw // 2 + 4, y0 + 14, x + barw // 2 + 4, y0 + 14, html(w.week:sub(6))))
  end
  if #weeks == 0 then
    add(string.format('<text x="%d" y="%d">%s</text>', left + 10, top + 20, html("Geen verzoeken meegeteld.")))
  end
  local ty = y0 - (target * plot_h * 2 + 100) // 200
  add(string.format('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#000000" stroke-dasharray="4 3"/>', left,
                    ty, width - 10, ty))
  add(string.format('<text x="%d" y="%d" text-anchor="end">%s</text>', width - 10, ty - 4,
                    html(string.format("norm %d%%", target))))
  add("</svg>")
  return table.concat(out, "\n") .. "\n"
end

return C
