-- tender/view.lua - what the output steps (report.lua, send_letters.lua)
-- share: everything the evaluation produced, gathered per bid, and the
-- score tables in Dutch.  No rules live here.

local L = require "tender.lib"

local V = {}

-- Everything the evaluation produced.  Reads the data both output steps
-- declare in `reads =`.
function V.load()
  local c = {}
  c.cfg = L.load_config()
  c.crit = L.criteria(regie.input("criteria"))
  c.d = c.cfg.scoring.round_decimals
  c.fict = L.is_fictitious(c.cfg)
  c.scaled = L.uses_price_points(c.cfg)
  c.bids = L.rows("bids")
  c.bid = {}
  for _, b in ipairs(c.bids) do c.bid[b.bid_id] = b end
  c.adm = L.index("admission", "bid_id")
  c.ko = {}
  for _, r in ipairs(L.rows("ko_results")) do
    c.ko[r.bid_id] = c.ko[r.bid_id] or {}
    table.insert(c.ko[r.bid_id], r)
  end
  c.q = {}
  for _, r in ipairs(L.rows("quality")) do
    c.q[r.bid_id] = c.q[r.bid_id] or {}
    c.q[r.bid_id][r.crit_id] = r
  end
  c.price = L.index("prices", "bid_id")
  -- the lists and their indexes share the records: one copy each
  c.ranking = L.rows("ranking")
  c.rank = L.index_of(c.ranking, "bid_id")
  c.outcome_rows = L.rows("outcome")
  c.out = L.index_of(c.outcome_rows, "bid_id")
  c.dates = L.index("dates", "name")
  c.state = L.str(regie.input("award_state"))
  c.notice = L.str(regie.input("notice_date"))
  local iv = regie.input("interview_result")
  c.iv = iv and L.index(iv, "bid_id") or nil
  c.winner = nil
  for _, o in ipairs(c.outcome_rows) do
    if o.status == "awarded" then c.winner = o.bid_id end
  end
  -- the best rounded score, for the gap to first place
  for _, r in ipairs(c.ranking) do
    if not L.isnull(r.score) and not L.isnull(c.out[r.bid_id].rank) then
      if c.best == nil or (c.fict and r.score < c.best) or (not c.fict and r.score > c.best) then
        c.best = r.score
      end
    end
  end
  return c
end

-- Was the bid scored (admitted and priced)?
function V.scored(c, id)
  local r = c.rank[id]
  return r ~= nil and not L.isnull(r.score)
end

-- Points of one criterion, rounded for display.
function V.points(c, id, crit_id)
  local q = c.q[id] and c.q[id][crit_id]
  if not q then return nil end
  return L.round(q.points, c.d)
end

-- "67,92 punten" / "een fictieve prijs van €63,96"
function V.total_text(c, id)
  local r = c.rank[id]
  if not r or L.isnull(r.score) then return "" end
  if c.fict then
    return "een fictieve prijs van " .. L.eur(r.score)
  end
  return L.nl(r.score, c.d) .. " punten"
end

function V.total_short(c, id)
  local r = c.rank[id]
  if not r or L.isnull(r.score) then return "" end
  if c.fict then return L.eur(r.score) end
  return L.nl(r.score, c.d)
end

-- Score lines of a bid: { {label=, max=, value=} ... } in Dutch.
function V.score_lines(c, id)
  local lines = {}
  local r = c.rank[id]
  for _, cr in ipairs(c.crit.award) do
    lines[#lines + 1] = { label = cr.id .. " " .. cr.title, max = L.short(cr.max_points, true),
                          value = V.points(c, id, cr.id) }
  end
  if not r or L.isnull(r.score) then return lines end
  if c.scaled then
    lines[#lines + 1] = { label = "Kwaliteit (som)", max = L.short(c.crit.max_total, true), value = L.round(r.quality, c.d) }
    lines[#lines + 1] = { label = string.format("Kwaliteit herschaald (× %s / %s)",
                            L.short(c.cfg.award.total_points - c.cfg.award.price_points, true), L.short(c.crit.max_total, true)),
                          max = L.short(c.cfg.award.total_points - c.cfg.award.price_points, true),
                          value = L.round(r.quality_scaled, c.d) }
    lines[#lines + 1] = { label = "Prijs (" .. L.eur(c.bid[id].rate_excl_vat_eur) .. ")",
                          max = L.short(c.cfg.award.price_points, true), value = L.round(r.price_points, c.d) }
    lines[#lines + 1] = { label = "**Totaal**", max = L.short(c.cfg.award.total_points, true), value = r.score, bold = true }
  elseif c.fict then
    lines[#lines + 1] = { label = "Kwaliteit (som)", max = L.short(c.crit.max_total, true), value = L.round(r.quality, c.d) }
    lines[#lines + 1] = { label = "Prijs", max = "", value = c.bid[id].rate_excl_vat_eur, euro = true }
    lines[#lines + 1] = { label = "Fictieve korting", max = "", value = r.discount, euro = true }
    lines[#lines + 1] = { label = "**Fictieve prijs** (lager is beter)", max = "", value = r.score, euro = true, bold = true }
  else
    lines[#lines + 1] = { label = "**Totaal**", max = L.short(c.cfg.award.total_points, true), value = r.score, bold = true }
  end
  return lines
end

local function cell(c, v, euro)
  if v == nil or L.isnull(v) then return "–" end
  if euro then return L.eur(v) end
  return L.nl(v, c.d)
end

-- make(c, key), made on first use and kept for this evaluation in c[name]
-- (the output steps show the same parts for many bids).
function V.once(c, name, key, make)
  local cache = c[name]
  if not cache then
    cache = {}
    c[name] = cache
  end
  local v = cache[key]
  if v == nil then
    v = make(c, key)
    cache[key] = v
  end
  return v
end

-- A bid's score lines as table cells (label, max, value), made once per
-- bid: the letters show the winner's beside every other bid's.
local function make_score_cells(c, id)
  local cells = {}
  for i, ln in ipairs(V.score_lines(c, id)) do
    cells[i] = { label = ln.bold and ln.label or L.md(ln.label), max = ln.max,
                 value = cell(c, ln.value, ln.euro) }
  end
  return cells
end

local function score_cells(c, id)
  return V.once(c, "score_cells_of", id, make_score_cells)
end

-- Markdown table of a bid's scores; with other_id, the other bid's beside them.
function V.score_table(c, id, other_id, own_head, other_head)
  local lines = score_cells(c, id)
  local t = {}
  if other_id then
    local other = score_cells(c, other_id)
    t[1] = string.format("| Criterium | Max. | %s | %s |", own_head or "Uw punten", other_head or "Winnaar")
    t[2] = "|---|---:|---:|---:|"
    for i, ln in ipairs(lines) do
      local o = other[i]
      t[#t + 1] = "| " .. ln.label .. " | " .. ln.max .. " | " .. ln.value .. " | "
        .. (o and o.value or "–") .. " |"
    end
  else
    t[1] = "| Criterium | Max. | Punten |"
    t[2] = "|---|---:|---:|"
    for _, ln in ipairs(lines) do
      t[#t + 1] = "| " .. ln.label .. " | " .. ln.max .. " | " .. ln.value .. " |"
    end
  end
  return table.concat(t, "\n")
end

-- Criteria on which the winner scored more than bid id, with the winner's
-- motivations: the winner's characteristics and relative advantages.
function V.advantages(c, id, winner)
  local out = {}
  for _, cr in ipairs(c.crit.award) do
    local w, o = V.points(c, winner, cr.id), V.points(c, id, cr.id)
    if w and (o == nil or w > o) then
      local mots = {}
      local q = c.q[winner][cr.id]
      local seen = {}
      for _, m in ipairs(L.items(q.motivations)) do
        m = L.trim(m)
        if m ~= "" and not seen[m] then
          seen[m] = true
          mots[#mots + 1] = m
        end
      end
      out[#out + 1] = string.format("- **%s %s**: winnaar %s punten, u %s punten (%s%s).%s", cr.id, L.md(cr.title),
                                    L.nl(w, c.d), o and L.nl(o, c.d) or "–", "+",
                                    L.nl(L.round(w - (o or 0), c.d), c.d),
                                    #mots > 0 and (" Oordeel commissie: " .. L.md(table.concat(mots, "; "))) or "")
    end
  end
  if c.scaled or c.fict then
    local pw, po = c.bid[winner].rate_excl_vat_eur, c.bid[id].rate_excl_vat_eur
    if pw < po then
      out[#out + 1] = string.format("- **Prijs**: winnaar %s, u %s.", L.eur(pw), L.eur(po))
    end
  end
  if #out == 0 then
    out[1] = "- De winnende inschrijving scoort op geen enkel criterium hoger dan de uwe; zij eindigt hoger door de beslissing bij gelijke stand (zie de rangschikking)."
  end
  return table.concat(out, "\n")
end

-- The exclusion lines of a bid ("Uitgesloten: eis E4 (...) niet gehaald, ...").
function V.exclusion_lines(c, id)
  local lines = {}
  for _, l in ipairs(L.items(c.adm[id].lines)) do lines[#lines + 1] = l end
  local p = c.price[id]
  if c.adm[id].admitted and p and not p.priced then
    lines[#lines + 1] = "Uitgesloten: abnormaal lage prijs (" .. L.eur(p.price) .. ") na toetsing afgewezen"
      .. (L.trim(p.low_reason) ~= "" and (", motivering: " .. p.low_reason) or "")
  end
  return lines
end

-- What the interview excluded: "eis E2 (Afgeronde hbo-opleiding) niet gehaald"
function V.interview_outcome(c, id)
  local x = c.iv and c.iv[id]
  if not x then return "" end
  if x.outcome == "no_show" then
    return "de kandidaat is niet verschenen"
  end
  if x.req_id ~= "" then
    local req = c.crit.by_id[x.req_id]
    return string.format("eis %s (%s) niet gehaald", x.req_id, req and L.requirement_label(req, c.cfg) or "")
  end
  return "het gesprek is negatief beoordeeld"
end

return V
