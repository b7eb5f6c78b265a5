-- tender/view.lua - what the output steps (report.lua, write_letters.lua)
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
  -- c.ko (the requirement results per bid) is made by V.ko_of on first use:
  -- only the explanations show them
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
    if not L.is_null(r.score) and not L.is_null(c.out[r.bid_id].rank) then
      if c.best == nil or (c.fict and r.score < c.best) or (not c.fict and r.score > c.best) then
        c.best = r.score
      end
    end
  end
  return c
end

-- The requirement results (ko_results) of bid id in file order, or nil.
function V.ko_of(c, id)
  if not c.ko then
    c.ko = L.group_by(L.rows("ko_results"), function(r) return r.bid_id end)
  end
  return c.ko[id]
end

-- Was the bid scored (admitted and priced)?
function V.scored(c, id)
  local r = c.rank[id]
  return r ~= nil and not L.is_null(r.score)
end

-- Points of one criterion, rounded for display.
function V.points(c, id, crit_id)
  local q = c.q[id] and c.q[id][crit_id]
  if not q then return nil end
  -- half-up on the exact points (L.rounded remembers each distinct value)
  return L.rounded(q, "points", c.d)
end

-- "67,92 punten" / "een fictieve prijs van €63,96"
function V.total_text(c, id)
  local r = c.rank[id]
  if not r or L.is_null(r.score) then return "" end
  if c.fict then
    return "een fictieve prijs van " .. L.eur(r.score)
  end
  return L.nl(r.score, c.d) .. " punten"
end

function V.total_short(c, id)
  local r = c.rank[id]
  if not r or L.is_null(r.score) then return "" end
  if c.fict then return L.eur(r.score) end
  return L.nl(r.score, c.d)
end

-- The maxima of the score lines after the award criteria, as text: the
-- same for every bid, made once.
local function maxima(c)
  local m = c.score_maxima
  if not m then
    local award = c.cfg.award
    m = { quality = L.short(c.crit.max_total, true), scaled = L.short(award.total_points - award.price_points, true),
          price = L.short(award.price_points, true), total = L.short(award.total_points, true) }
    m.scaled_label = string.format("Kwaliteit herschaald (× %s / %s)", m.scaled, m.quality)
    c.score_maxima = m
  end
  return m
end

-- The score lines after the award criteria of a scored bid (sums, price,
-- total): { {label=, max=, value=, euro=, bold=} ... } in Dutch; none for a
-- bid that was not scored.
local function total_lines(c, id)
  local r = c.rank[id]
  if not r or L.is_null(r.score) then return {} end
  local m = maxima(c)
  if c.scaled then
    return {
      { label = "Kwaliteit (som)", max = m.quality, value = L.rounded(r, "quality", c.d) },
      { label = m.scaled_label, max = m.scaled, value = L.rounded(r, "quality_scaled", c.d) },
      { label = "Prijs (" .. L.eur(c.bid[id].rate_excl_vat_eur) .. ")", max = m.price, value = L.rounded(r, "price_points", c.d) },
      { label = "**Totaal**", max = m.total, value = r.score, bold = true },
    }
  elseif c.fict then
    return {
      { label = "Kwaliteit (som)", max = m.quality, value = L.rounded(r, "quality", c.d) },
      { label = "Prijs", max = "", value = c.bid[id].rate_excl_vat_eur, euro = true },
      { label = "Fictieve korting", max = "", value = r.discount, euro = true },
      { label = "**Fictieve prijs** (lager is beter)", max = "", value = r.score, euro = true, bold = true },
    }
  end
  return { { label = "**Totaal**", max = m.total, value = r.score, bold = true } }
end

local function cell(c, v, euro)
  if v == nil or L.is_null(v) then return "–" end
  if euro then return L.eur(v) end
  return L.nl(v, c.d)
end

-- make(c, key), made on first use and kept for this evaluation in c[name]
-- (the output steps show the same parts for many bids).
function V.once(c, name, key, make)
  local cache = L.sub(c, name)
  local v = cache[key]
  if v == nil then
    v = make(c, key)
    cache[key] = v
  end
  return v
end

-- The start of a score table row: "| label | max | ".
local function row_start(label, max)
  return "| " .. label .. " | " .. max .. " | "
end

-- The rows of the award criteria start the same in every bid's score
-- table ("| W1 Titel | 10 | "): made once.
local function criterion_row_starts(c)
  local starts = c.criterion_row_starts
  if not starts then
    starts = {}
    for i, cr in ipairs(c.crit.award) do
      starts[i] = row_start(L.md(cr.id .. " " .. cr.title), L.short(cr.max_points, true))
    end
    c.criterion_row_starts = starts
  end
  return starts
end

-- A bid's score table rows: how each starts ("| label | max | ") and its
-- value ("12,50"); one per award criterion, then the totals.
local function score_rows(c, id)
  local starts, values = {}, {}
  local fixed = criterion_row_starts(c)
  for i, cr in ipairs(c.crit.award) do
    starts[i] = fixed[i]
    values[i] = cell(c, V.points(c, id, cr.id))
  end
  for _, ln in ipairs(total_lines(c, id)) do
    starts[#starts + 1] = row_start(ln.bold and ln.label or L.md(ln.label), ln.max)
    values[#values + 1] = cell(c, ln.value, ln.euro)
  end
  return starts, values
end

-- The values of a bid's score table, made once per bid: the letters show
-- the winner's beside every other bid's.
local function score_values(c, id)
  local _, values = score_rows(c, id)
  return values
end

-- Markdown table of a bid's scores; with other_id, the other bid's beside them.
function V.score_table(c, id, other_id, own_head, other_head)
  local starts, values = score_rows(c, id)
  local t = {}
  if other_id then
    local other = V.once(c, "score_values_of", other_id, score_values)
    t[1] = string.format("| Criterium | Max. | %s | %s |", own_head or "Uw punten", other_head or "Winnaar")
    t[2] = "|---|---:|---:|---:|"
    for i, start in ipairs(starts) do
      t[i + 2] = start .. values[i] .. " | " .. (other[i] or "–") .. " |"
    end
  else
    t[1] = "| Criterium | Max. | Punten |"
    t[2] = "|---|---:|---:|"
    for i, start in ipairs(starts) do
      t[i + 2] = start .. values[i] .. " |"
    end
  end
  return table.concat(t, "\n")
end

-- " Oordeel commissie: ..." of a quality record: its motivations, trimmed,
-- each once ("" when there are none).  The letters show the winner's many
-- times: made once per record (V.once).
local function judgement(c, q)
  local mots = {}
  local seen = {}
  for _, m in ipairs(L.items_shared(q.motivations)) do
    m = L.trim(m)
    if m ~= "" and not seen[m] then
      seen[m] = true
      mots[#mots + 1] = m
    end
  end
  return #mots > 0 and (" Oordeel commissie: " .. L.md(table.concat(mots, "; "))) or ""
end

-- Criteria on which the winner scored more than bid id, with the winner's
-- motivations: the winner's characteristics and relative advantages.
function V.advantages(c, id, winner)
  local out = {}
  for _, cr in ipairs(c.crit.award) do
    local w, o = V.points(c, winner, cr.id), V.points(c, id, cr.id)
    if w and (o == nil or w > o) then
      local q = c.q[winner][cr.id]
      out[#out + 1] = string.format("- **%s %s**: winnaar %s punten, u %s punten (%s%s).%s", cr.id, L.md(cr.title),
                                    L.nl(w, c.d), o and L.nl(o, c.d) or "–", "+",
                                    L.nl(L.exact(w) - L.exact(o or 0), c.d),
                                    V.once(c, "judgement_of", q, judgement))
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
  for _, l in ipairs(L.items_shared(c.adm[id].lines)) do lines[#lines + 1] = l end
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
