-- regional/chart.lua - the on-time share per quarter of every region as
-- small multiples in one SVG: a panel per region (in name order, `cols`
-- panels a row), one bar per quarter, the same axis 0-100 % in each.
-- The pieces of the chart are common/svg.lua's.

local S = require "common.svg"

local C = {}

C.BAR = S.PALETTE[1]
C.COLS = 4

-- panels: a list of { region = "Noord", quarters = { { quarter = "2026-Q1",
-- done_on_time = n, due = m, pct = "50" }, ... } }.  Returns the SVG text.
function C.render(panels, title)
  local html = regie.html
  local cols = C.COLS
  local pw, ph, left, top, plot_h, barw, gap = 190, 130, 40, 24, 80, 22, 8
  local rows = math.max(1, (#panels + cols - 1) // cols)
  local width = cols * pw + 10
  local height = 30 + rows * ph
  local out = {}
  local function add(s)
    out[#out + 1] = s
  end
  S.open(add, width, height, title)
  add(string.format('<text x="10" y="20" font-size="13" font-weight="bold">%s</text>', html(title)))
  for i, p in ipairs(panels) do
    local x0 = ((i - 1) % cols) * pw
    local y = 30 + ((i - 1) // cols) * ph
    local y0 = y + top + plot_h
    add(string.format('<g><text x="%d" y="%d" font-weight="bold">%s</text>', x0 + 10, y + 14, html(p.region)))
    S.pct_axis(add, x0 + left, y0, plot_h, x0 + pw - 10, 2)
    for k, q in ipairs(p.quarters) do
      local x = x0 + left + (k - 1) * (barw + gap) + gap // 2
      local h = S.bar_height(q.done_on_time, q.due, plot_h)
      local label = q.due > 0 and string.format("%s: %s%% op tijd (%d van %d)", q.quarter, q.pct:gsub("%.", ","),
                                                q.done_on_time, q.due)
                    or string.format("%s: geen mijlpalen", q.quarter)
      add(string.format('<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s</title></rect>', x,
                        y0 - h, barw, h, C.BAR, html(label)))
      add(string.format('<text x="%d" y="%d" text-anchor="middle">%s</text>', x + barw // 2, y0 + 14,
                        html(q.quarter:sub(6))))
    end
    add("</g>")
  end
  if #panels == 0 then
    add(string.format('<text x="10" y="50">%s</text>', html("Geen regio's.")))
  end
  add("</svg>")
  return table.concat(out, "\n") .. "\n"
end

return C
