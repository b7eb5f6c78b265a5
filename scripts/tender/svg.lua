-- tender/svg.lua - scores.svg: one stacked bar per scored bid, one segment
-- per award criterion (plus price points when price counts), drawn
-- directly as SVG text.  Deterministic: fixed layout, colours and number
-- formatting; every text is XML-escaped.  The colours are common/svg.lua's
-- palette for colour-blind readers, the axis has ticks at round numbers,
-- and the margins are measured from the texts they hold, so no label is
-- cut off.

local L = require "tender.lib"
local V = require "tender.view"
local B = require "tender.labels"
local C = require "common.svg"

local S = {}

S.COLOURS = C.PALETTE
S.PRICE_COLOUR = C.NEUTRAL

-- Coordinates with at most two decimals, no trailing zeros; remembered
-- (L.memo): the bars of a large tender share most of their coordinates.
local n = L.memo(function(x)
  local s = L.fmt(x, 2)
  s = s:gsub("0+$", ""):gsub("%.$", "")
  return s
end)

-- A text cut to `max` characters, with "…" when it was longer.
local function cut(text, max)
  local len = utf8.len(text)
  if len and len > max then
    return text:sub(1, utf8.offset(text, max) - 1) .. "…"
  end
  return text
end

-- The chart of the scored bids in ranking order; with `limit`, of the
-- first `limit` of them only.
function S.render(c, limit)
  local cfg = c.cfg
  -- bars in ranking order (bids that were scored)
  local rows = {}
  for _, r in ipairs(c.ranking) do
    if not L.is_null(r.score) then
      if limit and #rows >= limit then break end
      rows[#rows + 1] = r
    end
  end
  local segs = {}
  local factor = 1
  local axis = c.crit.max_total
  if c.scaled then
    factor = (cfg.award.total_points - cfg.award.price_points) / c.crit.max_total
    axis = cfg.award.total_points
  end
  for i, cr in ipairs(c.crit.award) do
    segs[#segs + 1] = { id = cr.id, title = cr.title, colour = C.colour(i) }
  end
  if c.scaled then
    segs[#segs + 1] = { id = "prijs", title = "Prijs", colour = S.PRICE_COLOUR, price = true }
  end
  local ticks = C.ticks(axis)
  axis = ticks.top

  -- the texts first: the margins are made to hold them
  local title = "Punten per criterium – " .. cfg.tender.id
  if limit then
    title = title .. string.format(" (de %d hoogst geplaatste inschrijvingen)", #rows)
  end
  local legend = {}
  local legend_w = 0
  for i, sg in ipairs(segs) do
    legend[i] = cut(sg.price and ("Prijs (" .. B.of(B.PRICE_METHOD_SHORT, cfg.award.price_method) .. ")")
                    or (sg.id .. " " .. sg.title), 100)
    legend_w = math.max(legend_w, 26 + C.text_width(legend[i], 12))
  end
  local labels, totals = {}, {}
  local label_w, total_w = 0, 0
  for i, r in ipairs(rows) do
    labels[i] = cut(r.bid_id .. " " .. L.str(c.bid[r.bid_id].supplier), 30)
    local o = c.out[r.bid_id]
    totals[i] = (c.fict and L.nl(L.rounded(r, "quality", c.d), c.d) or L.nl(r.score, c.d))
      .. ((o.status == "excluded") and " (uitgesloten)" or "")
  end
  -- (the widths of a large tender's labels: measured on the longest)
  for i = 1, #rows do
    label_w = math.max(label_w, C.text_width(labels[i], 12))
    total_w = math.max(total_w, C.text_width(totals[i], 12))
  end
  local tick_w = 0
  for _, v in ipairs(ticks.values) do tick_w = math.max(tick_w, C.text_width(L.short(v, true), 12)) end

  local barw, rowh = 520, 30
  local left = math.max(120, label_w + 18)
  local right = math.max(tick_w // 2 + 10, total_w + 16)
  local width = math.max(left + barw + right, legend_w + 20, C.text_width(title, 14, true) + 20)
  local top = 44 + #segs * 18 + 10
  local height = top + math.max(1, #rows) * rowh + 40
  local out = {}
  local function add(s) out[#out + 1] = s end
  add(string.format('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">',
                    width, height, width, height))
  add(string.format('<title>%s</title>', L.xml("Scores per inschrijving – " .. cfg.tender.id)))
  add(string.format('<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>', width, height))
  add(string.format('<text x="10" y="20" font-size="14" font-weight="bold">%s</text>', L.xml(title)))
  for i, sg in ipairs(segs) do
    local x, y = 10, 34 + (i - 1) * 18
    add(string.format('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>', x, y, sg.colour))
    add(string.format('<text x="%d" y="%d">%s</text>', x + 16, y + 10, L.xml(legend[i])))
  end
  -- axis: grid lines and labels at the ticks
  local y0 = top + #rows * rowh
  add(string.format('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#000000"/>', left, top - 4, left, y0 + 4))
  for _, v in ipairs(ticks.values) do
    local x = left + barw * v / axis
    add(string.format('<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="#cccccc"/>', n(x), top - 4, n(x), y0))
    add(string.format('<text x="%s" y="%d" text-anchor="middle">%s</text>', n(x), y0 + 18, L.xml(L.short(v, true))))
  end
  if #rows == 0 then
    add(string.format('<text x="%d" y="%d">%s</text>', left + 10, top + 20, L.xml("Geen inschrijving beoordeeld.")))
  end
  -- one bar per bid: thousands in a large tender, so plain concatenation
  -- (y is a whole number of pixels)
  for i, r in ipairs(rows) do
    local y = top + (i - 1) * rowh
    add('<text x="' .. (left - 8) .. '" y="' .. (y + 18) .. '" text-anchor="end">' .. L.xml(labels[i]) .. "</text>")
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
    add('<text x="' .. n(x + 6) .. '" y="' .. (y + 18) .. '">' .. L.xml(totals[i]) .. "</text>")
  end
  add('</svg>')
  return table.concat(out, "\n") .. "\n"
end

return S
