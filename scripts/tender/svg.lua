-- tender/svg.lua - scores.svg: one stacked bar per scored bid, one segment
-- per award criterion (plus price points when price counts), drawn
-- directly as SVG text.  Deterministic: fixed layout, colours and number
-- formatting; every text is XML-escaped.

local L = require "tender.lib"
local V = require "tender.view"

local S = {}

S.COLOURS = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
              "#7f7f7f", "#bcbd22", "#17becf" }
S.PRICE_COLOUR = "#444444"

-- Coordinates with at most two decimals, no trailing zeros; remembered
-- (L.memo): the bars of a large tender share most of their coordinates.
local n = L.memo(function(x)
  local s = L.fmt(x, 2)
  s = s:gsub("0+$", ""):gsub("%.$", "")
  return s
end)

function S.render(c)
  local cfg = c.cfg
  -- bars in ranking order (bids that were scored)
  local rows = {}
  for _, r in ipairs(c.ranking) do
    if not L.is_null(r.score) then rows[#rows + 1] = r end
  end
  local segs = {}
  local factor = 1
  local axis = c.crit.max_total
  if c.scaled then
    factor = (cfg.award.total_points - cfg.award.price_points) / c.crit.max_total
    axis = cfg.award.total_points
  end
  for i, cr in ipairs(c.crit.award) do
    segs[#segs + 1] = { id = cr.id, title = cr.title, colour = S.COLOURS[(i - 1) % #S.COLOURS + 1] }
  end
  if c.scaled then
    segs[#segs + 1] = { id = "prijs", title = "Prijs", colour = S.PRICE_COLOUR, price = true }
  end
  if axis <= 0 then axis = 1 end

  local left, barw, rowh, top = 220, 520, 30, 70
  top = 44 + #segs * 18 + 10
  local width = left + barw + 90
  local height = top + math.max(1, #rows) * rowh + 40
  local out = {}
  local function add(s) out[#out + 1] = s end
  add(string.format('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">',
                    width, height, width, height))
  add(string.format('<title>%s</title>', L.xml("Scores per inschrijving – " .. cfg.tender.id)))
  add(string.format('<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>', width, height))
  add(string.format('<text x="10" y="20" font-size="14" font-weight="bold">%s</text>',
                    L.xml("Punten per criterium – " .. cfg.tender.id)))
  for i, sg in ipairs(segs) do
    local x, y = 10, 34 + (i - 1) * 18
    local label = sg.price and ("Prijs (" .. cfg.award.price_method .. ")") or (sg.id .. " " .. sg.title)
    if utf8.len(label) and utf8.len(label) > 100 then
      label = label:sub(1, utf8.offset(label, 100) - 1) .. "…"
    end
    add(string.format('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>', x, y, sg.colour))
    add(string.format('<text x="%d" y="%d">%s</text>', x + 16, y + 10, L.xml(label)))
  end
  -- axis
  local y0 = top + #rows * rowh
  add(string.format('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#000000"/>', left, top - 4, left, y0 + 4))
  for k = 0, 4 do
    local v = axis * k / 4
    local x = left + barw * k / 4
    add(string.format('<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="#cccccc"/>', n(x), top - 4, n(x), y0))
    add(string.format('<text x="%s" y="%d" text-anchor="middle">%s</text>', n(x), y0 + 18, L.xml(L.short(L.round(v, 2), true))))
  end
  if #rows == 0 then
    add(string.format('<text x="%d" y="%d">%s</text>', left + 10, top + 20, L.xml("Geen inschrijving beoordeeld.")))
  end
  -- one bar per bid: thousands in a large tender, so plain concatenation
  -- (y is a whole number of pixels)
  for i, r in ipairs(rows) do
    local y = top + (i - 1) * rowh
    local o = c.out[r.bid_id]
    local b = c.bid[r.bid_id]
    local label = r.bid_id .. " " .. L.str(b.supplier)
    local len = utf8.len(label)
    if len and len > 30 then
      label = label:sub(1, utf8.offset(label, 30) - 1) .. "…"
    end
    add('<text x="' .. (left - 8) .. '" y="' .. (y + 18) .. '" text-anchor="end">' .. L.xml(label) .. "</text>")
    local x = left
    for _, sg in ipairs(segs) do
      local v
      if sg.price then
        v = L.is_null(r.price_points) and 0 or L.rounded(r, "price_points", c.d)
      else
        v = (V.points(c, r.bid_id, sg.id) or 0) * factor
      end
      local w = barw * v / axis
      if w > 0 then
        add('<rect x="' .. n(x) .. '" y="' .. (y + 4) .. '" width="' .. n(w) .. '" height="20" fill="' .. sg.colour
            .. '"><title>' .. L.xml(r.bid_id .. " " .. sg.id .. ": " .. L.nl(v, c.d)) .. "</title></rect>")
      end
      x = x + w
    end
    local total = c.fict and L.nl(L.rounded(r, "quality", c.d), c.d) or L.nl(r.score, c.d)
    local mark = (o.status == "excluded") and " (uitgesloten)" or ""
    add('<text x="' .. n(x + 6) .. '" y="' .. (y + 18) .. '">' .. L.xml(total .. mark) .. "</text>")
  end
  add('</svg>')
  return table.concat(out, "\n") .. "\n"
end

return S
