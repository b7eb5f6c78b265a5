-- tender/report.lua - step 10a: the reports.
--
-- Writes (below the output directory):
--   ranking.csv        machine-readable ranking (command-line contract §6)
--   ranking.md         the same for people
--   dates.csv          closing, not-selected date, decision and standstill dates
--   explain/<bid>.md   per bid: requirements, every evaluator's level, the
--                      mean, points and motivation, price, tie-break
--   scores.svg         stacked bars (svg.lua)
--   lot-protocol.md    when the tie-break reached a lot
--   report.html        the evaluation report (proces-verbaal), printable
-- No rules live here: every number comes from the earlier steps.
-- Parameter `part`: the shipped workflow runs this script twice, as step
-- report (part = reports) and step explain (part = explanations), so that
-- the thousands of explanations of a large tender are written beside the
-- reports and the letters instead of after them.

local L = require "tender.lib"
local V = require "tender.view"
local S = require "tender.svg"
local B = require "tender.labels"

-- ---- ranking.csv ---------------------------------------------------------------

-- Flags of a bid for ranking.csv and the report.
local function flags_of(c, id, intake, qual_spread)
  local f = {}
  local r = c.rank[id]
  if r then
    for _, x in ipairs(L.items_shared(r.flags)) do f[#f + 1] = x end
  end
  local p = c.price[id]
  if p and p.low_flag then
    if p.low_decision == "accept" then
      f[#f + 1] = "abnormally_low_accepted"
    elseif p.low_decision == "reject" then
      f[#f + 1] = "abnormally_low_rejected"
    else
      f[#f + 1] = "abnormally_low"
    end
  end
  local it = intake[id]
  if it and #L.items_shared(it.duplicate_with) > 0 then
    f[#f + 1] = "duplicate_candidate"
  end
  if qual_spread[id] then
    f[#f + 1] = "spread"
  end
  return f
end

local function ordered_bids(c)
  local rows = {}
  local rank = {} -- bid -> its rank, nil when it has none
  for _, b in ipairs(c.bids) do
    rows[#rows + 1] = b.bid_id
    local r = c.out[b.bid_id].rank
    rank[b.bid_id] = not L.is_null(r) and r or nil
  end
  table.sort(rows, function(a, b)
    local ra, rb = rank[a], rank[b]
    if ra and rb then
      if ra ~= rb then return ra < rb end
      return a < b
    end
    if ra or rb then return ra ~= nil end
    return a < b
  end)
  return rows
end

local function ranking_csv(c, order, flags)
  local cols = { "rank", "bid_id", "supplier", "candidate", "total", "status", "reason" }
  for _, cr in ipairs(c.crit.award) do cols[#cols + 1] = cr.id end
  for _, k in ipairs({ "quality", "quality_scaled", "price", "price_points", "discount", "gap", "flags" }) do
    cols[#cols + 1] = k
  end
  local rows = {}
  for _, id in ipairs(order) do
    local b, o, r = c.bid[id], c.out[id], c.rank[id]
    local scored = V.scored(c, id)
    local row = {
      rank = L.is_null(o.rank) and "" or tostring(o.rank),
      bid_id = id,
      supplier = L.str(b.supplier),
      candidate = L.str(b.candidate),
      total = scored and L.fmt(r.score, c.d) or "",
      status = o.status,
      reason = L.str(o.reason),
      quality = scored and L.fmt(L.rounded(r, "quality", c.d), c.d) or "",
      quality_scaled = (scored and not L.is_null(r.quality_scaled)) and L.fmt(L.rounded(r, "quality_scaled", c.d), c.d) or "",
      price = L.fmt(b.rate_excl_vat_eur, 2),
      price_points = (scored and not L.is_null(r.price_points)) and L.fmt(L.rounded(r, "price_points", c.d), c.d) or "",
      discount = (scored and not L.is_null(r.discount)) and L.fmt(L.rounded(r, "discount", c.d), c.d) or "",
      gap = (scored and not L.is_null(o.rank) and c.best) and L.fmt(L.gap(c.best, r.score), c.d) or "",
      flags = table.concat(flags[id], ";"),
    }
    for _, cr in ipairs(c.crit.award) do
      local v = V.points(c, id, cr.id)
      row[cr.id] = v and L.fmt(v, c.d) or ""
    end
    rows[#rows + 1] = row
  end
  return regie.csv.encode(rows, cols), rows, cols
end

-- The rows of ranking.csv as typed data (for ranking.xlsx): rank an integer,
-- the points, price and gap numbers (each the value its text in ranking.csv
-- reads as), an empty field null, the rest text as written.
local RANKING_TEXT = { bid_id = true, supplier = true, candidate = true, status = true,
                       reason = true, flags = true }
local function ranking_typed(rows, cols)
  local out = {}
  for i, row in ipairs(rows) do
    local t = {}
    for _, k in ipairs(cols) do
      local v = row[k]
      if RANKING_TEXT[k] then
        t[k] = v
      elseif v == "" then
        t[k] = regie.null
      elseif k == "rank" then
        t[k] = math.tointeger(tonumber(v))
      else
        t[k] = tonumber(v) + 0.0
      end
    end
    out[i] = t
  end
  return out
end

-- ---- ranking.md -------------------------------------------------------------------

local STATUS_MD = {
  invited = "uitgenodigd", not_selected = "niet geselecteerd", excluded = "uitgesloten",
  awarded = "**voornemen tot gunning**", reserve = "reserve",
}

local FLAG_NL = {
  tie = "gelijke stand", lot = "loting", lot_pending = "LOTING NODIG", ["tie"] = "gelijke stand",
  decided = "volgorde door de commissie bepaald",
  abnormally_low = "ABNORMAAL LAGE PRIJS (toets art. 2.116)",
  abnormally_low_accepted = "abnormaal lage prijs, verklaring geaccepteerd",
  abnormally_low_rejected = "abnormaal lage prijs, afgewezen",
  duplicate_candidate = "kandidaat ook door andere inschrijver aangeboden",
  spread = "grote spreiding beoordelaars",
}
local function flags_nl(list)
  local t = {}
  for _, f in ipairs(list) do t[#t + 1] = FLAG_NL[f] or f end
  return table.concat(t, "; ")
end

local function state_text(c)
  if c.state == "no_award_possible" then
    return "Geen gunning mogelijk: geen enkele inschrijving is toegelaten. Advies: zet de uitvraag opnieuw uit (zo nodig met aangepaste eisen)."
  elseif c.state == "awarded" then
    local b = c.bid[c.winner]
    return string.format("Voornemen tot gunning aan %s (%s, kandidaat %s) met %s.", c.winner, L.str(b.supplier),
                         L.str(b.candidate), V.total_text(c, c.winner))
  elseif c.state == "pending" then
    return "Gesprekken lopen nog: de hoogst geplaatste overgebleven inschrijving heeft nog geen uitslag. Er is nog geen voornemen tot gunning."
  elseif c.state == "no_award" then
    return "Geen gunning: alle uitgenodigde inschrijvingen zijn na het gesprek afgevallen en er is geen volgende in de rangschikking. Advies: zet de uitvraag opnieuw uit."
  end
  return "Rangschikking vastgesteld; de hoogst geplaatste inschrijvingen worden uitgenodigd voor een gesprek."
end

-- A bid's figures as ranking.md and report.html show them, in Dutch, "–"
-- where there is none: the points per award criterion, the price points
-- (scaled price methods), the discount (fictitious), the total and the gap
-- to first place.  Made once per bid for both (V.once).
local function figures(c, id)
  local o, r = c.out[id], c.rank[id]
  local scored = V.scored(c, id)
  local f = {}
  for _, cr in ipairs(c.crit.award) do
    local v = V.points(c, id, cr.id)
    f[#f + 1] = v and L.nl(v, c.d) or "–"
  end
  if c.scaled then f[#f + 1] = (scored and not L.is_null(r.price_points)) and L.nl(L.rounded(r, "price_points", c.d), c.d) or "–" end
  if c.fict then f[#f + 1] = (scored and not L.is_null(r.discount)) and L.eur(r.discount) or "–" end
  f[#f + 1] = scored and (c.fict and L.eur(r.score) or L.nl(r.score, c.d)) or "–"
  f[#f + 1] = (scored and not L.is_null(o.rank) and c.best) and L.nl(L.gap(c.best, r.score), c.d) or "–"
  return f
end

local function ranking_md(c, order, flags)
  local t = {}
  t[#t + 1] = "# Rangschikking " .. L.md(c.cfg.tender.id)
  t[#t + 1] = ""
  t[#t + 1] = state_text(c)
  t[#t + 1] = ""
  local head = { "Rang", "Inschrijving", "Inschrijver", "Kandidaat" }
  for _, cr in ipairs(c.crit.award) do head[#head + 1] = cr.id .. " (max " .. L.short(cr.max_points, true) .. ")" end
  if c.scaled then head[#head + 1] = "Prijspunten" end
  if c.fict then head[#head + 1] = "Fictieve korting" end
  for _, h in ipairs({ c.fict and "Fictieve prijs" or "Totaal", "Achterstand", "Status", "Reden", "Signalen" }) do
    head[#head + 1] = h
  end
  t[#t + 1] = "| " .. table.concat(head, " | ") .. " |"
  local sep = {}
  for i = 1, #head do sep[i] = (i <= 4 or i >= #head - 2) and "---" or "---:" end
  t[#t + 1] = "|" .. table.concat(sep, "|") .. "|"
  for _, id in ipairs(order) do
    local b, o = c.bid[id], c.out[id]
    local cells = { L.is_null(o.rank) and "–" or tostring(o.rank), id, L.md(b.supplier), L.md(b.candidate) }
    for _, x in ipairs(V.once(c, "figures_of", id, figures)) do
      cells[#cells + 1] = x
    end
    cells[#cells + 1] = STATUS_MD[o.status] or o.status
    cells[#cells + 1] = L.md(o.reason)
    cells[#cells + 1] = L.md(flags_nl(flags[id]))
    t[#t + 1] = "| " .. table.concat(cells, " | ") .. " |"
  end
  t[#t + 1] = ""
  return table.concat(t, "\n")
end

-- ---- explain/<bid>.md -----------------------------------------------------------------

local AGG_NL = { mean = "gemiddelde", median = "mediaan", consensus = "consensus" }

-- The largest tie group an explanation lists in full.
local TIE_GROUP_SHOWN = 10

-- What every explanation shows the same of an award criterion, made once
-- per criterion (V.once): the heading with the table head, the maximum,
-- and the start of the line with the outcome.
local function criterion_parts(c, cr)
  local scale = {}
  for i, v in ipairs(c.cfg.scoring.scale) do scale[i] = L.short(v, true) end
  local agg = (AGG_NL[c.cfg.scoring.aggregation] or "gemiddelde"):gsub("^%l", string.upper)
  return {
    head = table.concat({
      string.format("### %s %s (max. %s punten, %s)", cr.id, L.md(cr.title), L.short(cr.max_points, true),
                    cr.scale == "binary" and "ja/nee" or "schaal " .. table.concat(scale, ", ")),
      "",
      "| Beoordelaar | Niveau | Motivering |",
      "|---|---:|---|" }, "\n"),
    max = L.short(cr.max_points, true),
    aggregated = agg .. ": ",
  }
end

-- An evaluator's name and a level as they show in the explanations (the
-- same few many thousands of times).
local evaluator_md = L.memo(function(ev)
  return L.md(ev == "CONSENSUS" and "consensus" or ev)
end)
local level_text = L.memo(function(v)
  return L.short(v, true)
end)
local submitted_text = L.memo(function(at)
  return L.md(L.datetime_nl(at))
end)

-- How the totals are rounded: the same line in every explanation.
local function rounding_text(c)
  if c.cfg.scoring.round_stage == "criterion" then
    return string.format("Afronding: per criterium op %d decimalen, %s, daarna opgeteld.", c.d, B.HALF_UP)
  end
  return string.format("Afronding: alleen het totaal, op %d decimalen, %s.", c.d, B.HALF_UP)
end

local function explain_md(c, id, flags, tiebreak)
  local cfg = c.cfg
  local b, o, r = c.bid[id], c.out[id], c.rank[id]
  -- the lines of the explanation, joined at the end
  local t = {
    "# Toelichting inschrijving " .. L.md(id),
    "",
    "- Inschrijver: " .. L.md(b.supplier),
    "- Kandidaat: " .. L.md(b.candidate),
    "- Tarief: " .. L.eur(b.rate_excl_vat_eur) .. " excl. btw",
    "- Ingediend: " .. submitted_text(b.submitted_at),
    "- Status: " .. (L.STATUS_NL[o.status] or o.status),
  }
  if not L.is_null(o.rank) then
    t[#t + 1] = "- Rang: " .. o.rank
  end
  if V.scored(c, id) then
    local line = "- " .. (c.fict and "Fictieve prijs: " or "Totaal: ") .. V.total_text(c, id)
    if not L.is_null(o.rank) and c.best and r.score ~= c.best then
      line = line .. string.format(" (%s achter nummer 1)", c.fict and L.eur(L.gap(c.best, r.score))
                                   or (L.nl(L.gap(c.best, r.score), c.d) .. " punten"))
    end
    t[#t + 1] = line
  end
  if #flags[id] > 0 then
    t[#t + 1] = "- Signalen: " .. L.md(flags_nl(flags[id]))
  end
  t[#t + 1] = ""

  -- exclusions first, in the words of §1.3
  local excl = V.exclusion_lines(c, id)
  if o.stage == "interview" then
    excl[#excl + 1] = "Uitgesloten na het gesprek: " .. V.interview_outcome(c, id)
      .. ((c.iv[id].reason ~= "") and (" (" .. L.md(c.iv[id].reason) .. ")") or "")
  end
  for _, l in ipairs(excl) do
    t[#t + 1] = l
    t[#t + 1] = ""
  end

  t[#t + 1] = "## Eisen"
  t[#t + 1] = ""
  local kos = V.ko_of(c, id) or {}
  if #kos == 0 then t[#t + 1] = "Geen eisen getoetst." end
  for _, k in ipairs(kos) do
    if k.req_id == "intake" then
      t[#t + 1] = "- Tijdig ingediend: nee (" .. L.md(k.detail) .. ")"
    else
      t[#t + 1] = "- " .. tostring(k.req_id) .. " (" .. L.md(k.label) .. "): " .. (k.result == "pass" and "voldoet" or "**voldoet niet**")
        .. (k.detail ~= "" and (", " .. L.md(k.detail)) or "") .. " (" .. L.md(k.source) .. ")"
    end
  end
  t[#t + 1] = ""

  if c.q[id] then
    t[#t + 1] = "## Gunningscriteria"
    t[#t + 1] = ""
    for _, cr in ipairs(c.crit.award) do
      local q = c.q[id][cr.id]
      local parts = V.once(c, "criterion_parts", cr, criterion_parts)
      t[#t + 1] = parts.head
      local evs, lv, mo = L.items_shared(q.evaluators), L.items_shared(q.levels), L.items_shared(q.motivations)
      for i, ev in ipairs(evs) do
        t[#t + 1] = "| " .. evaluator_md(ev) .. " | " .. level_text(lv[i]) .. " | " .. L.md(mo[i]) .. " |"
      end
      t[#t + 1] = ""
      local pts = L.nl(V.points(c, id, cr.id), c.d)
      if cr.scale == "binary" then
        t[#t + 1] = "Uitkomst: " .. (q.level >= 100 and "ja" or "nee") .. " → **" .. pts .. " punten**"
        local differ = L.str(q.disagreed)
        if differ ~= "" then
          -- §1.2: no mean, no majority; the committee's consensus counts
          t[#t + 1] = ""
          t[#t + 1] = "De beoordelaars waren het oneens (" .. L.md(differ) .. "). Geen gemiddelde of meerderheid: "
            .. "de consensusscore van de commissie telt (" .. L.md(L.str(q.consensus_from)) .. ")."
        end
      else
        local level = L.nl(q.level, 2)
        t[#t + 1] = (q.consensus and "Consensus: " or parts.aggregated) .. level .. " → " .. parts.max .. " × " .. level
          .. " / 100 = **" .. pts .. " punten**"
      end
      if q.spread then
        t[#t + 1] = ""
        t[#t + 1] = string.format("Let op: de beoordelaars liggen meer dan %d schaalstappen uit elkaar.", cfg.scoring.spread_warning_steps)
      end
      t[#t + 1] = ""
    end
    if V.scored(c, id) then
      t[#t + 1] = "## Puntentelling"
      t[#t + 1] = ""
      t[#t + 1] = V.score_table(c, id)
      t[#t + 1] = ""
      t[#t + 1] = V.once(c, "rounding_text", "", rounding_text)
      t[#t + 1] = ""
    end
  end

  local p = c.price[id]
  if p and p.low_flag then
    t[#t + 1] = "## Abnormaal lage prijs"
    t[#t + 1] = ""
    t[#t + 1] = string.format("De prijs %s ligt onder (1 − %s) × de mediaan van de andere toegelaten inschrijvingen. Dit is een signaal, geen uitsluiting: vraag de inschrijver om een toelichting (Aanbestedingswet art. 2.116).",
                              L.eur(p.price), L.nl(cfg.award.abnormal_low_fraction, 2))
    t[#t + 1] = ""
    if p.low_decision ~= "" then
      t[#t + 1] = string.format("Besluit: %s. Motivering: %s", p.low_decision == "accept" and "verklaring geaccepteerd" or "afgewezen",
                                L.md(p.low_reason))
    else
      t[#t + 1] = "**Besluit nog niet vastgelegd.**"
    end
    t[#t + 1] = ""
  end

  if r and not L.is_null(r.tie_group) then
    t[#t + 1] = "## Gelijke stand"
    t[#t + 1] = ""
    local group = tiebreak.by_group[r.tie_group] or {}
    -- A small group is shown whole; of a large one (a tender with
    -- thousands of bids and quality points only) this bid's own steps,
    -- with the whole group in report.html.
    local whole = group.members <= TIE_GROUP_SHOWN
    if not whole then
      t[#t + 1] = string.format("Gelijk geëindigd met %d andere inschrijvingen; de volledige tabel staat in report.html (Gelijke stand en loting). De stappen voor deze inschrijving:",
                                group.members - 1)
      t[#t + 1] = ""
    end
    for _, tr in ipairs(whole and group or group.of[id]) do
      t[#t + 1] = string.format("- stap %d, %s: %s %s → %s", tr.step, L.md(tr.rule), L.md(tr.bid_id), L.md(tr.value), L.md(tr.outcome))
    end
    t[#t + 1] = ""
  end

  if c.iv and c.iv[id] and (c.iv[id].outcome ~= "" or c.iv[id].invited_after ~= "") then
    t[#t + 1] = "## Gesprek"
    t[#t + 1] = ""
    local x = c.iv[id]
    if x.invited_after ~= "" then
      t[#t + 1] = "Uitgenodigd na uitsluiting van inschrijving " .. L.md(x.invited_after) .. "."
    end
    if x.outcome ~= "" then
      t[#t + 1] = "Uitkomst: " .. ({ pass = "voldoende", fail = "onvoldoende", no_show = "niet verschenen" })[x.outcome]
        .. (x.reason ~= "" and (" – " .. L.md(x.reason)) or "")
    end
    t[#t + 1] = ""
  end
  return table.concat(t, "\n")
end

-- ---- lot-protocol.md ------------------------------------------------------------------------

local function lot_protocol(c, lots, tiebreak)
  local cfg = c.cfg
  local t = {}
  local function add(s) t[#t + 1] = s end
  add("# Protocol loting " .. L.md(cfg.tender.id))
  add("")
  local groups, gorder = L.group_by(lots, function(l) return l.group end)
  local seeded = cfg.ranking.lot_mode == "seeded"
  if seeded then
    add("Methode: geautomatiseerde loting met een vooraf vastgelegde sleutel. De gelijk geëindigde inschrijvingen worden gesorteerd op de oplopende FNV-1a-64-hash van de UTF-8-tekst `<seed>|<bid_id>`. Iedereen kan de uitkomst narekenen.")
    add("")
    add(string.format("Seed: `%s` (vastgelegd in %s, regel %d, vóór bekend was of er een gelijke stand zou zijn).",
                      cfg.ranking.lot_seed, L.md(L.basename(cfg.source)), cfg.line["ranking.lot_seed"] or 0))
    add("")
    add("Controlewaarden van de hashfunctie: FNV-1a-64(\"\") = `" .. L.hex64(L.fnv1a64("")) .. "`, FNV-1a-64(\"a\") = `"
        .. L.hex64(L.fnv1a64("a")) .. "`, FNV-1a-64(\"foobar\") = `" .. L.hex64(L.fnv1a64("foobar")) .. "`.")
  else
    add("Methode: loting door een fysieke trekking. Inschrijvers worden vooraf geïnformeerd over wanneer, waar en door wie de loting plaatsvindt en mogen daarbij aanwezig zijn.")
    add("")
    -- as [ranking] announces it, or else as the draw's result records it
    local d = {}
    for _, l in ipairs(lots) do
      if l.mode == "drawn" then d = l break end
    end
    local function fact(set, got)
      if set ~= "" then return L.md(set) end
      if got and got ~= "" then return L.md(got) .. " (uitslag trekking)" end
      return "nog vast te stellen"
    end
    add("- Datum: " .. fact(cfg.ranking.lot_date, d.drawn_at))
    add("- Plaats: " .. fact(cfg.ranking.lot_place, d.place))
    add("- Door: " .. fact(cfg.ranking.lot_by, d.drawn_by))
  end
  add("")
  for _, g in ipairs(gorder) do
    local members = groups[g]
    local ids = {}
    for _, l in ipairs(members) do ids[#ids + 1] = l.bid_id end
    local score
    for _, tr in ipairs(tiebreak.by_group[g] or {}) do
      if tr.step == 0 then score = tr.value end
    end
    add(string.format("## Gelijke stand %d: %s", g, table.concat(ids, ", ")))
    add("")
    if score then
      local before = {}
      for _, rule in ipairs(cfg.ranking.tiebreak) do
        if rule == "lot" then break end
        before[#before + 1] = rule
      end
      add("Gelijk rangschikkingscijfer: " .. L.md((score:gsub("%.", ","))) .. "."
          .. (#before > 0 and (" De eerdere beslisregels (" .. L.md(B.tiebreak_rules(before, c.crit.by_id)) .. ") gaven geen verschil.") or ""))
      add("")
    end
    if members[1].mode == "pending" then
      add("**Loting nodig**: de uitslag is nog niet vastgelegd. Leg de volgorde na de trekking vast in een bestand `draw` (bid_id,position,drawn_by,drawn_at) en geef het met `regie resume RUN --set draw=BESTAND`, of als `lot_result` in [ranking].")
    else
      local drawn = {}
      for _, l in ipairs(members) do
        if l.mode == "seeded" then
          add(string.format("%d. **%s**: FNV-1a-64(`%s`) = `%s`", l.position, L.md(l.bid_id), (l.input:gsub("`", "'")), l.hash))
        elseif l.mode == "drawn" then
          add(string.format("%d. **%s** (uitslag trekking, %s)", l.position, L.md(l.bid_id), L.md(l.input)))
          local who = string.format("getrokken door %s op %s%s", L.md(l.drawn_by), L.md(l.drawn_at),
                                    l.place ~= "" and (" in " .. L.md(l.place)) or "")
          if drawn[#drawn] ~= who then drawn[#drawn + 1] = who end
        else
          add(string.format("%d. **%s** (uitslag trekking, vastgelegd in de instellingen)", l.position, L.md(l.bid_id)))
        end
      end
      if #drawn > 0 then
        add("")
        add("Uitslag van de fysieke trekking: " .. table.concat(drawn, "; ") .. ".")
      end
    end
    add("")
  end
  return table.concat(t, "\n")
end

-- The bars the report's chart shows of a tender whose detail is split
-- into pages (scores.svg keeps them all).
local CHART_TOP = 30

-- ---- report.html ----------------------------------------------------------------------------------
--
-- The proces-verbaal: what was published (requirements and criteria quoted
-- from criteria.csv), the settings in words (tender.labels), the committee,
-- the ranking, every score with its motivation, exclusions, the tie-break
-- record, the dates, the run id and the audit head (regie.run_info) and a
-- signature block.  Above [tender] report_split_above bids the detail per
-- bid goes to report/bid-<id>.html, linked from the ranking.

local H = L.html

-- Screen and print (A4): table heads repeated on every page, no table
-- forced onto a page of its own (a long table would leave a blank one),
-- a chart kept with its caption, the ranking shrunk to the width.
-- The letters are documents (letters/<bid>.pdf and .html, the pdf step in
-- the house style) unless --set pdf_letters=no; the Markdown beside them
-- is the text they were made from.
local function pdf_letters()
  local v = regie.input("pdf_letters")
  return v == nil or v == true
end

-- The links to one letter (base: its path without extension; label: HTML).
local function letter_links(base, label)
  if pdf_letters() then
    return '<a href="' .. base .. '.pdf">' .. label .. '</a> (<a href="' .. base .. '.html">HTML</a>, <a href="'
      .. base .. '.md">tekst</a>)'
  end
  return '<a href="' .. base .. '.md">' .. label .. "</a>"
end

local CSS = [[
body { font-family: sans-serif; font-size: 11pt; margin: 2em; color: #000; line-height: 1.35; }
h1 { font-size: 18pt; margin-bottom: 0.2em; } h2 { font-size: 14pt; margin-top: 1.5em; border-bottom: 1px solid #999; }
h3 { font-size: 12pt; }
.sub { font-size: 12pt; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #999; padding: 3px 6px; text-align: left; vertical-align: top; }
thead th { background: #eee; }
td.n, th.n { text-align: right; }
table.ranking { width: 100%; }
td, th { overflow-wrap: break-word; }
table.ranking td, table.ranking th { overflow-wrap: anywhere; hyphens: auto; }
table.ranking td.n, table.ranking td:nth-child(-n+2) { overflow-wrap: normal; }
q.published { quotes: "“" "”" "‘" "’"; }
.published-text { margin: 0.3em 0 0 0; font-style: italic; }
.flag { color: #a00000; font-weight: bold; }
.state { border: 2px solid #000; padding: 0.5em; }
figure.chart { margin: 1em 0; }
figure.chart img { max-width: 100%; height: auto; }
figure.chart figcaption { font-weight: bold; margin-bottom: 0.3em; }
.hash { font-family: monospace; overflow-wrap: anywhere; }
.signatures { display: flex; flex-wrap: wrap; gap: 1.5em 3em; margin-top: 1em; }
.signature { width: 15em; }
.signature .line { border-bottom: 1px solid #000; height: 3em; margin-bottom: 0.2em; }
@page { size: A4; margin: 18mm 15mm 18mm 15mm; }
@media print {
  body { margin: 0; font-size: 9.5pt; }
  h1 { font-size: 15pt; } h2 { font-size: 12pt; } h3 { font-size: 10.5pt; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  thead { display: table-header-group; }
  tr, .signature, .state { break-inside: avoid; page-break-inside: avoid; }
  figure.chart, .keep { break-inside: avoid; page-break-inside: avoid; }
  figure.chart img { max-height: 230mm; }
  table { width: 100%; }
  table.ranking { font-size: 7.5pt; }
  table.ranking td, table.ranking th { padding: 2px 3px; }
  table.ranking .np { display: none; }
  a { color: inherit; text-decoration: none; }
}
]]

-- An evaluator's name and a level as they show in the report (the same
-- few many thousands of times).
local evaluator_html = L.memo(function(ev)
  return H(ev == "CONSENSUS" and "consensus" or ev)
end)
local level_html = L.memo(function(v)
  return H(L.short(v, true))
end)

-- The date of the report: [tender] report_date, else the day the decision
-- is sent ([decision] sent), else the day after which a bidder not invited
-- was not selected, else the closing day: never the clock, so a run again
-- on the same inputs writes the same report.
local function report_date(c)
  local cfg = c.cfg
  if cfg.tender.report_date then return cfg.tender.report_date end
  if cfg.decision.sent then return cfg.decision.sent end
  if c.notice ~= "" then return c.notice end
  return L.date_of(cfg.tender.closing)
end

-- The committee of [committee] members (tender.labels: "Naam (rol)").
local function committee(c)
  return B.members(c.cfg.committee and c.cfg.committee.members)
end

-- The evaluators named in the scores, sorted.
local function evaluators(c, order)
  local evs, seen = {}, {}
  for _, id in ipairs(order) do
    local per = c.q[id]
    if per then
      for _, cr in ipairs(c.crit.award) do
        local q = per[cr.id]
        if q then
          for _, ev in ipairs(L.items_shared(q.evaluators)) do
            if not seen[ev] then
              seen[ev] = true
              evs[#evs + 1] = ev
            end
          end
        end
      end
    end
  end
  table.sort(evs)
  return evs
end

-- A requirement or criterion as published: its title in quotes, its text
-- (the optional column) below it, both exactly as in criteria.csv.
local function published(cr)
  local s = '<q class="published">' .. H(cr.title) .. "</q>"
  if cr.text ~= "" then
    s = s .. '<p class="published-text">' .. H(cr.text) .. "</p>"
  end
  return s
end

-- How a requirement is tested, in words.
local function requirement_test(k, cfg)
  local s = B.CHECK[k.check] or B.CHECK[""]
  if k.check == "max_rate" and cfg.requirements.max_rate then
    s = s .. ": maximaal " .. L.eur_short(cfg.requirements.max_rate) .. " per uur excl. btw; "
      .. B.of(B.RATE_ROUNDING, cfg.requirements.rate_rounding)
  elseif k.check == "documents" then
    s = s .. string.format(": precies %d cv en %d motivatiebrief", cfg.requirements.cv_count,
                           cfg.requirements.motivation_count)
  end
  return s
end

-- The settings of tender.ini as label and words, in the order of §1.3.
local function settings_rows(c)
  local cfg = c.cfg
  local rows = {}
  local function kv(k, v) if v and v ~= "" then rows[#rows + 1] = { k, v } end end
  local aw, sc, rk, iv, dc, cal = cfg.award, cfg.scoring, cfg.ranking, cfg.interviews, cfg.decision, cfg.calendar
  if cfg.requirements.max_rate then
    kv("Maximumtarief", L.eur_short(cfg.requirements.max_rate) .. " per uur excl. btw, alle kosten inbegrepen")
    kv("Toetsing van het tarief", B.of(B.RATE_ROUNDING, cfg.requirements.rate_rounding))
  end
  kv("Vereiste documenten", string.format("%d cv en %d motivatiebrief", cfg.requirements.cv_count,
                                          cfg.requirements.motivation_count))
  kv("Prijsmethode", L.METHOD_NL[aw.price_method] or aw.price_method)
  kv("Maximaal aantal punten", L.short(c.scaled and aw.total_points or c.crit.max_total, true))
  if c.scaled then
    kv("Punten voor de prijs", L.short(aw.price_points, true))
    if aw.price_ceiling then kv("Plafondprijs", L.eur(aw.price_ceiling)) end
    if aw.price_floor then kv("Bodemprijs", L.eur(aw.price_floor)) end
  end
  if c.fict and aw.discount_value_per_point then
    kv("Waarde per kwaliteitspunt", L.eur(aw.discount_value_per_point))
  end
  kv("Signaal abnormaal lage prijs", string.format("een prijs meer dan %s%% onder de mediaan van de andere toegelaten inschrijvingen (een signaal, geen uitsluiting: de inschrijver wordt om een toelichting gevraagd)",
                                                   L.short(L.round(aw.abnormal_low_fraction * 100, 2), true)))
  local scale = {}
  for i, v in ipairs(sc.scale) do scale[i] = L.short(v, true) end
  kv("Scoreschaal", table.concat(scale, ", ") .. " (procent van de maximale punten van het criterium)")
  kv("Niveau per criterium", B.of(B.AGGREGATION, sc.aggregation))
  kv("Afronding", string.format("op %d decimalen, %s; %s", c.d, B.HALF_UP, B.of(B.ROUND_STAGE, sc.round_stage)))
  kv("Signaal spreiding", string.format("beoordelaars die meer dan %d schaalstappen uit elkaar liggen, bespreken hun scores",
                                        sc.spread_warning_steps))
  kv("Beslisregels bij gelijke stand", B.tiebreak_rules(rk.tiebreak, c.crit.by_id))
  local uses_lot = false
  for _, r in ipairs(rk.tiebreak) do uses_lot = uses_lot or r == "lot" end
  if uses_lot then
    kv("Loting", B.of(B.LOT_MODE, rk.lot_mode))
    if rk.lot_mode == "seeded" and rk.lot_seed ~= "" then kv("Sleutel van de loting", rk.lot_seed) end
    kv("Datum loting", rk.lot_date)
    kv("Plaats loting", rk.lot_place)
    kv("Loting door", rk.lot_by)
  end
  kv("Uit te nodigen voor een gesprek", string.format("de %d hoogst geplaatste inschrijvingen", iv.invite_top_n))
  kv("Bericht van niet-selectie", string.format("wie %d werkdagen na de sluiting geen uitnodiging heeft, is niet geselecteerd",
                                                 iv.notice_workdays))
  kv("Uitsluiting na het gesprek", B.of(B.ON_LATE_EXCLUSION, iv.on_late_exclusion))
  kv("Plaats gesprekken", iv.location)
  kv("Periode gesprekken", iv.period)
  if dc.sent then kv("Verzending gunningsbeslissing", L.date_nl_long(dc.sent)) end
  kv("Opschortende termijn", string.format("%d kalenderdagen na verzending%s", dc.standstill_days,
                                           dc.extend_to_workday and "; valt de laatste dag op een zaterdag, zondag of feestdag (Algemene termijnenwet), dan loopt de termijn door tot de eerstvolgende werkdag" or ""))
  kv("Bevrijdingsdag (5 mei)", B.of(B.LIBERATION_DAY, cal.liberation_day))
  kv("Goede Vrijdag", cal.good_friday and "een vrije dag" or "een werkdag")
  if cal.extra_closed and #cal.extra_closed > 0 then
    local d = {}
    for i, x in ipairs(cal.extra_closed) do d[i] = L.date_nl(x) end
    kv("Extra gesloten dagen", table.concat(d, ", "))
  end
  return rows
end

-- A <table> with a head row that repeats on every printed page.
local function table_open(add, heads, class)
  local t = { class and ('<table class="' .. class .. '"><thead><tr>') or "<table><thead><tr>" }
  for _, h in ipairs(heads) do
    local text, cls = h, nil
    if type(h) == "table" then text, cls = h[1], h[2] end
    t[#t + 1] = (cls and ('<th class="' .. cls .. '">') or "<th>") .. H(text) .. "</th>"
  end
  t[#t + 1] = "</tr></thead><tbody>"
  add(table.concat(t))
end
local function table_close(add) add("</tbody></table>") end

-- The head of the page: a document in its own right (the report, or a
-- bid's page of it).
local function page_open(add, title, css, css_file)
  add("<!DOCTYPE html>")
  add('<html lang="nl">')
  add("<head>")
  add('<meta charset="utf-8">')
  add("<title>" .. H(title) .. "</title>")
  if css_file then
    add('<link rel="stylesheet" href="' .. css_file .. '">')
  else
    add("<style>" .. css .. "</style>")
  end
  add("</head>")
  add("<body>")
end

-- pieces for regie.write: each line, then its line break
local function lines()
  local t, n = {}, 0
  local function add(s)
    t[n + 1], t[n + 2] = s, "\n"
    n = n + 2
  end
  return t, add
end

-- The scores of one bid: per award criterion every evaluator's level and
-- motivation, then the aggregated level and the points.  With `with_bid`,
-- a first column holds the bid (the report's one table of all bids).
local function score_rows(c, add, id, with_bid, parts)
  local bid = H(id)
  for i, cr in ipairs(c.crit.award) do
    local q = c.q[id][cr.id]
    local start = with_bid and ("<tr><td>" .. bid .. "</td><td>" .. parts.crit_id[i] .. "</td><td>")
                  or ("<tr><td>" .. parts.crit_id[i] .. "</td><td>")
    local evs, lv, mo = L.items_shared(q.evaluators), L.items_shared(q.levels), L.items_shared(q.motivations)
    for j, ev in ipairs(evs) do
      add(start .. evaluator_html(ev) .. '</td><td class="n">' .. level_html(lv[j]) .. "</td><td>" .. H(mo[j]) .. "</td></tr>")
    end
    add("<tr>" .. (with_bid and ("<th>" .. bid .. "</th>") or "") .. "<th>" .. parts.crit_id[i] .. "</th><th>" .. parts.crit_total[i]
        .. '</th><th class="n">' .. H(L.nl(q.level, 2)) .. "</th><th>" .. H(L.nl(V.points(c, id, cr.id), c.d)) .. " punten</th></tr>")
  end
end

local function score_parts(c)
  local parts = { crit_id = {}, crit_total = {} }
  for i, cr in ipairs(c.crit.award) do
    parts.crit_id[i] = H(cr.id)
    parts.crit_total[i] = H(cr.scale == "binary" and "uitkomst" or B.of(B.AGGREGATION_SHORT, c.cfg.scoring.aggregation))
  end
  return parts
end

-- The exclusion lines of a bid, with those after the interview.
local function exclusions_of(c, id)
  local lines = V.exclusion_lines(c, id)
  if c.out[id].stage == "interview" then
    lines[#lines + 1] = "Uitgesloten na het gesprek: " .. V.interview_outcome(c, id)
      .. (c.iv[id].reason ~= "" and (" (" .. c.iv[id].reason .. ")") or "")
  end
  return lines
end

local function tiebreak_table(c, add, records)
  table_open(add, { "Groep", "Stap", "Regel", "Inschrijving", "Waarde", "Uitkomst" })
  for _, tr in ipairs(records) do
    local label, value, outcome = B.tiebreak_step(tr, c.crit.by_id, c.fict)
    add("<tr><td>" .. H(tr.group) .. "</td><td>" .. H(tr.step) .. "</td><td>" .. H(label) .. "</td><td>" .. H(tr.bid_id)
        .. "</td><td>" .. H(value) .. "</td><td>" .. H(outcome) .. "</td></tr>")
  end
  table_close(add)
end

-- The tie groups, one line each (a tender split into pages: each bid's
-- steps are on its page): the equal total, the bids, the rules that
-- separated them.
local function tie_groups_table(c, add, tiebreak)
  local gorder, seen = {}, {}
  for _, tr in ipairs(tiebreak) do
    if not seen[tr.group] then
      seen[tr.group] = true
      gorder[#gorder + 1] = tr.group
    end
  end
  table_open(add, { "Groep", "Gelijk totaal", "Aantal", "Inschrijvingen", "Gescheiden door" })
  for _, gno in ipairs(gorder) do
    local g = tiebreak.by_group[gno]
    local ids, rules, rseen, total, open = {}, {}, {}, "", false
    for _, tr in ipairs(g) do
      if tr.step == 0 then
        ids[#ids + 1] = tr.bid_id
        local _, v = B.tiebreak_step(tr, c.crit.by_id, c.fict)
        total = v
      else
        local label, _, outcome = B.tiebreak_step(tr, c.crit.by_id, c.fict)
        if not rseen[label] then
          rseen[label] = true
          rules[#rules + 1] = label
        end
        open = open or outcome:match("nodig") ~= nil or tr.rule == "-"
      end
    end
    add("<tr><td>" .. H(gno) .. "</td><td>" .. H(total) .. "</td><td>" .. #ids .. "</td><td>" .. H(table.concat(ids, ", "))
        .. "</td><td>" .. H(table.concat(rules, "; ") .. (open and " (nog niet geheel beslist)" or "")) .. "</td></tr>")
  end
  table_close(add)
end

-- report/bid-<id>.html: everything the report shows of one bid when the
-- tender is too large to show every bid's detail in report.html.
local function bid_page(c, id, flags, tiebreak, parts)
  local cfg = c.cfg
  local b, o, r = c.bid[id], c.out[id], c.rank[id]
  local t, add = lines()
  page_open(add, "Inschrijving " .. id .. " – " .. cfg.tender.id, nil, "report.css")
  add('<p><a href="../report.html#rangschikking">← proces-verbaal ' .. H(cfg.tender.id) .. "</a></p>")
  add("<h1>" .. H("Inschrijving " .. id) .. "</h1>")
  add('<p class="sub">' .. H("Bijlage bij het proces-verbaal " .. cfg.tender.id) .. "</p>")
  add("<table>")
  local function kv(k, v) add("<tr><th>" .. H(k) .. "</th><td>" .. H(v) .. "</td></tr>") end
  kv("Inschrijver", L.str(b.supplier))
  kv("Kandidaat", L.str(b.candidate))
  kv("Tarief", L.eur(b.rate_excl_vat_eur) .. " excl. btw")
  kv("Ingediend", L.datetime_nl(b.submitted_at))
  kv("Status", L.STATUS_NL[o.status] or o.status)
  if not L.is_null(o.rank) then kv("Rang", tostring(o.rank)) end
  if V.scored(c, id) then kv(c.fict and "Fictieve prijs" or "Totaal", V.total_text(c, id)) end
  if #flags[id] > 0 then kv("Signalen", flags_nl(flags[id])) end
  add("</table>")
  local excl = exclusions_of(c, id)
  if #excl > 0 then
    add("<h2>Uitsluiting</h2>")
    add("<ul>")
    for _, l in ipairs(excl) do add("<li>" .. H(l) .. "</li>") end
    add("</ul>")
  end
  add("<h2>Eisen</h2>")
  local kos = V.ko_of(c, id) or {}
  if #kos == 0 then
    add("<p>Geen eisen getoetst.</p>")
  else
    table_open(add, { "Eis", "Uitkomst", "Toelichting" })
    for _, k in ipairs(kos) do
      if k.req_id == "intake" then
        add("<tr><td>tijdig ingediend</td><td>voldoet niet</td><td>" .. H(k.detail) .. "</td></tr>")
      else
        add("<tr><td>" .. H(k.req_id) .. "</td><td>" .. (k.result == "pass" and "voldoet" or '<span class="flag">voldoet niet</span>')
            .. "</td><td>" .. H(k.detail) .. "</td></tr>")
      end
    end
    table_close(add)
  end
  if c.q[id] then
    add("<h2>Scores en motiveringen</h2>")
    table_open(add, { "Criterium", "Beoordelaar", { "Niveau", "n" }, "Motivering" })
    score_rows(c, add, id, false, parts)
    table_close(add)
  end
  if V.scored(c, id) then
    -- the points as the ranking of a report without the split shows them
    add("<h2>Puntentelling</h2>")
    local names = {}
    for _, cr in ipairs(c.crit.award) do names[#names + 1] = cr.id .. " " .. cr.title end
    if c.scaled then names[#names + 1] = "Prijspunten" end
    if c.fict then names[#names + 1] = "Fictieve korting" end
    names[#names + 1] = c.fict and "Fictieve prijs" or "Totaal"
    names[#names + 1] = "Achterstand op nummer 1"
    table_open(add, { "Onderdeel", { c.fict and "Bedrag of punten" or "Punten", "n" } })
    for i, x in ipairs(V.once(c, "figures_of", id, figures)) do
      add("<tr><td>" .. H(names[i]) .. '</td><td class="n">' .. H(x) .. "</td></tr>")
    end
    table_close(add)
  end
  if r and not L.is_null(r.tie_group) then
    local g = tiebreak.by_group[r.tie_group]
    if g then
      add("<h2>Gelijke stand</h2>")
      tiebreak_table(c, add, g.of[id] or {})
    end
  end
  if c.iv and c.iv[id] and (c.iv[id].outcome ~= "" or c.iv[id].invited_after ~= "") then
    local x = c.iv[id]
    add("<h2>Gesprek</h2>")
    if x.invited_after ~= "" then add("<p>" .. H("Uitgenodigd na uitsluiting van inschrijving " .. x.invited_after .. ".") .. "</p>") end
    if x.outcome ~= "" then
      add("<p>" .. H("Uitkomst: " .. B.of(B.INTERVIEW, x.outcome) .. (x.reason ~= "" and (" – " .. x.reason) or "")) .. "</p>")
    end
  end
  add("<h2>Brief en toelichting</h2>")
  add('<p>' .. letter_links("../letters/" .. H(id), H("Brief: " .. B.of(B.LETTER, o.letter))) .. ' · <a href="../explain/'
      .. H(id) .. '.md">toelichting per beoordelaar</a></p>')
  add("</body>")
  add("</html>")
  return t
end

-- report.html as pieces for regie.write (a report of a large tender need
-- not be joined into one string first).  `split`: the detail per bid is in
-- report/bid-<id>.html.
local function report_html(c, order, flags, tiebreak, lots, notes, dates_rows, split, chart)
  local cfg = c.cfg
  local t, add = lines()
  local date = report_date(c)
  page_open(add, "Proces-verbaal " .. cfg.tender.id, CSS)
  add("<h1>" .. H("Proces-verbaal van de beoordeling " .. cfg.tender.id) .. "</h1>")
  if cfg.tender.title ~= "" then add('<p class="sub">' .. H(cfg.tender.title) .. "</p>") end
  add('<p class="state">' .. H(state_text(c)) .. "</p>")

  add("<h2>Aanbesteding</h2>")
  add("<table>")
  local function kv(k, v, id) add("<tr" .. (id and (' id="' .. id .. '"') or "") .. "><th>" .. H(k) .. "</th><td>" .. H(v) .. "</td></tr>") end
  kv("Kenmerk", cfg.tender.id)
  if cfg.tender.title ~= "" then kv("Titel", cfg.tender.title) end
  if cfg.tender.organisation ~= "" then kv("Opdrachtgever", cfg.tender.organisation) end
  if cfg.tender.contact ~= "" then kv("Contact", cfg.tender.contact) end
  if cfg.tender.procedure ~= "" then kv("Procedure", B.procedure(cfg.tender.procedure)) end
  if cfg.tender.perceel ~= "" then kv("Perceel", cfg.tender.perceel) end
  kv("Sluiting inschrijving", L.datetime_nl(cfg.tender.closing))
  kv("Aantal inschrijvingen", tostring(#c.bids))
  kv("Datum proces-verbaal", L.date_nl_long(date), "report-date")
  add("</table>")

  add("<h2>Commissie</h2>")
  local members = committee(c)
  if #members == 0 then
    add("<p>Geen leden van de beoordelingscommissie opgegeven.</p>")
  else
    table_open(add, { "Naam", "Rol" })
    for _, m in ipairs(members) do add("<tr><td>" .. H(m.name) .. "</td><td>" .. H(m.role) .. "</td></tr>") end
    table_close(add)
  end
  local evs = evaluators(c, order)
  add("<p>Beoordelaars: " .. (#evs > 0 and H(table.concat(evs, ", ")) or "geen scores (geen toegelaten inschrijvingen)") .. ".</p>")

  add("<h2>Eisen (knock-out), zoals gepubliceerd</h2>")
  if #c.crit.ko == 0 then
    add("<p>Geen.</p>")
  else
    table_open(add, { "Id", "Eis", "Toetsing" })
    for _, k in ipairs(c.crit.ko) do
      add("<tr><td>" .. H(k.id) .. "</td><td>" .. published(k) .. "</td><td>" .. H(requirement_test(k, cfg)) .. "</td></tr>")
    end
    table_close(add)
  end

  add("<h2>Gunningscriteria en weging, zoals gepubliceerd</h2>")
  table_open(add, { "Id", "Criterium", { "Max. punten", "n" }, "Beoordeling" })
  local scale = {}
  for i, v in ipairs(cfg.scoring.scale) do scale[i] = L.short(v, true) end
  for _, cr in ipairs(c.crit.award) do
    add(string.format('<tr><td>%s</td><td>%s</td><td class="n">%s</td><td>%s</td></tr>', H(cr.id), published(cr),
                      H(L.short(cr.max_points, true)),
                      cr.scale == "binary" and "ja/nee: de volle punten of 0" or H("schaal " .. table.concat(scale, ", ") .. " %")))
  end
  if c.scaled then
    add(string.format('<tr><td>–</td><td>Prijs</td><td class="n">%s</td><td>%s</td></tr>', H(L.short(cfg.award.price_points, true)),
                      H(B.of(B.PRICE_METHOD_SHORT, cfg.award.price_method))))
  end
  add(string.format('<tr><th></th><th>Totaal</th><th class="n">%s</th><th></th></tr>',
                    H(L.short(c.scaled and cfg.award.total_points or c.crit.max_total, true))))
  table_close(add)
  local binary = false
  for _, cr in ipairs(c.crit.award) do binary = binary or cr.scale == "binary" end
  if binary then
    add("<p>" .. H("Ja/nee-criteria geven de volle punten of 0. Zijn de beoordelaars het oneens (de een ja, de ander nee), "
                   .. "dan wacht de beoordeling op een consensusscore van de commissie voor die inschrijving en dat criterium; "
                   .. "er wordt niet gemiddeld en geen meerderheid geteld.") .. "</p>")
  end
  if c.scaled then
    add("<p>" .. H(string.format("Kwaliteit wordt herschaald: Q' = Q × %s / %s.", L.short(cfg.award.total_points - cfg.award.price_points, true),
                                 L.short(c.crit.max_total, true))) .. "</p>")
  end

  add("<h2>Beoordelingsregels</h2>")
  add("<table>")
  for _, row in ipairs(settings_rows(c)) do kv(row[1], row[2]) end
  add("</table>")

  add('<h2 id="rangschikking">Rangschikking</h2>')
  if split then
    add("<p>" .. H(string.format("Deze aanbesteding telt %d inschrijvingen: de scores, motiveringen en toetsing per inschrijving staan elk op een eigen pagina (report/bid-<inschrijving>.html), te openen via de inschrijving in de tabel.", #c.bids)) .. "</p>")
  end
  -- (above the split, the points per criterion are on each bid's page:
  -- a row per bid of a large tender is kept short, its cells aligned by
  -- the column's place instead of a class on each)
  local heads = { "Rang", "Inschrijving", "Inschrijver", "Kandidaat" }
  if not split then
    for _, cr in ipairs(c.crit.award) do heads[#heads + 1] = { cr.id, "n" } end
    if c.scaled then heads[#heads + 1] = { "Prijspunten", "n" } end
    if c.fict then heads[#heads + 1] = { "Fictieve korting", "n" } end
  end
  heads[#heads + 1] = { c.fict and "Fictieve prijs" or "Totaal", "n" }
  heads[#heads + 1] = { "Achterstand", "n np" }
  heads[#heads + 1] = "Status"
  heads[#heads + 1] = "Reden"
  heads[#heads + 1] = "Signalen"
  if split then
    add(string.format("<style>table.ranking.split td:nth-child(%d), table.ranking.split td:nth-child(%d) { text-align: right; overflow-wrap: normal; } "
                      .. "table.ranking.split td:nth-child(%d) { color: #a00000; font-weight: bold; } "
                      .. "@media print { table.ranking.split td:nth-child(%d) { display: none; } }</style>", 5, 6, 9, 6))
  end
  table_open(add, heads, split and "ranking split" or "ranking")
  for _, id in ipairs(order) do
    local b, o = c.bid[id], c.out[id]
    local bid = H(id)
    local row = { "<tr><td>" .. H(L.is_null(o.rank) and "–" or tostring(o.rank)) .. "</td><td>"
                  .. (split and ('<a href="report/bid-' .. bid .. '.html">' .. bid .. "</a>") or bid) .. "</td><td>"
                  .. H(b.supplier) .. "</td><td>" .. H(b.candidate) .. "</td>" }
    local f = V.once(c, "figures_of", id, figures)
    if split then
      row[#row + 1] = "<td>" .. H(f[#f - 1]) .. "</td><td>" .. H(f[#f]) .. "</td>"
    else
      for i, x in ipairs(f) do
        row[#row + 1] = (i == #f and '<td class="n np">' or '<td class="n">') .. H(x) .. "</td>"
      end
    end
    row[#row + 1] = "<td>" .. H(L.STATUS_NL[o.status] or o.status) .. "</td><td>" .. H(o.reason) .. "</td>"
    row[#row + 1] = (split and "<td>" or '<td class="flag">') .. H(flags_nl(flags[id])) .. "</td></tr>"
    add(table.concat(row))
  end
  table_close(add)
  add('<figure class="chart"><figcaption>' .. H(chart.caption) .. '</figcaption><img src="' .. H(chart.file)
      .. '" alt="' .. H(chart.caption) .. '"></figure>')

  if not split then
    add("<h2>Scores en motiveringen</h2>")
    local parts = score_parts(c)
    local any_scores = false
    for _, id in ipairs(order) do
      if c.q[id] then
        if not any_scores then
          table_open(add, { "Inschrijving", "Criterium", "Beoordelaar", { "Niveau", "n" }, "Motivering" })
          any_scores = true
        end
        score_rows(c, add, id, true, parts)
      end
    end
    if any_scores then table_close(add) else add("<p>Geen.</p>") end
  end

  add("<h2>Uitsluitingen</h2>")
  local any = false
  add("<ul>")
  for _, b in ipairs(c.bids) do
    for _, l in ipairs(exclusions_of(c, b.bid_id)) do
      any = true
      add("<li>" .. H(b.bid_id .. " (" .. L.str(b.supplier) .. "): " .. l) .. "</li>")
    end
  end
  add("</ul>")
  if not any then add("<p>Geen.</p>") end

  add("<h2>Abnormaal lage prijzen</h2>")
  local low_any = false
  add("<ul>")
  for _, b in ipairs(c.bids) do
    local p = c.price[b.bid_id]
    if p and p.low_flag then
      low_any = true
      local dec = p.low_decision == "accept" and ("verklaring geaccepteerd: " .. p.low_reason)
                  or p.low_decision == "reject" and ("afgewezen: " .. p.low_reason)
                  or "BESLUIT NOG NIET VASTGELEGD – vraag de inschrijver om een toelichting (art. 2.116)"
      add('<li class="flag">' .. H(string.format("%s: %s ligt onder (1 − %s) × de mediaan van de andere inschrijvingen. %s",
                                                  b.bid_id, L.eur(p.price), L.nl(cfg.award.abnormal_low_fraction, 2), dec)) .. "</li>")
    end
  end
  add("</ul>")
  if not low_any then add("<p>Geen signalen.</p>") end

  add("<h2>Gelijke stand en loting</h2>")
  if #tiebreak == 0 then
    add("<p>Geen gelijke stand.</p>")
  else
    add("<p>" .. H("Beslisregels: " .. B.tiebreak_rules(cfg.ranking.tiebreak, c.crit.by_id) .. ".") .. "</p>")
    if split then
      tie_groups_table(c, add, tiebreak)
    else
      tiebreak_table(c, add, tiebreak)
    end
    if #lots > 0 then
      add('<p>Zie <a href="lot-protocol.md">het protocol van de loting</a>.</p>')
    end
    for _, tr in ipairs(tiebreak) do
      if tr.rule == "besluit" then
        add("<p>" .. H("Inschrijvingen die na alle beslisregels gelijk eindigden op een grens (de plaatsen voor een gesprek of de gunning) "
                        .. "zijn in de volgorde gezet die de commissie besloot (" .. (tr.value:match("^(.*):%d+$") or tr.value)
                        .. "); er is niet op bestandsvolgorde beslist en niet meer inschrijvers uitgenodigd dan er plaatsen zijn.") .. "</p>")
        break
      end
    end
  end

  if c.iv then
    add("<h2>Gesprekken</h2>")
    table_open(add, { "Inschrijving", "Uitkomst", "Toelichting", "Uitgenodigd na", "Status" })
    for _, id in ipairs(order) do
      local x = c.iv[id]
      if x.outcome ~= "" or x.invited_after ~= "" or c.out[id].status == "invited" then
        add(string.format("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>", H(id),
                          H(B.INTERVIEW[x.outcome] or "nog niet gehouden"),
                          H(x.reason .. (x.req_id ~= "" and (" (eis " .. x.req_id .. ")") or "")), H(x.invited_after),
                          H(L.STATUS_NL[c.out[id].status] or c.out[id].status)))
      end
    end
    table_close(add)
    add("<p>" .. H("Uitsluiting na het gesprek: " .. B.of(B.ON_LATE_EXCLUSION, cfg.interviews.on_late_exclusion) .. ".") .. "</p>")
  end

  add("<h2>Data</h2>")
  add("<table>")
  for _, d in ipairs(dates_rows) do
    local v = L.str(d.date)
    local shown = v:match("T") and L.datetime_nl(v) or L.date_nl_long(v)
    add("<tr><th>" .. H(d.label) .. "</th><td>" .. H(shown) .. "</td></tr>")
  end
  add("</table>")

  add("<h2>Signalen en waarschuwingen</h2>")
  if #notes == 0 then
    add("<p>Geen.</p>")
  else
    add("<ul>")
    for _, n in ipairs(notes) do add("<li>" .. H(n) .. "</li>") end
    add("</ul>")
  end

  add("<h2>Brieven</h2>")
  if split then
    add("<p>" .. H("Elke inschrijver krijgt een brief (letters/<inschrijving>" .. (pdf_letters() and ".pdf, .html en .md" or ".md")
                   .. "); de pagina van elke inschrijving verwijst naar de hare.") .. "</p>")
  else
    table_open(add, { "Inschrijving", "Brief" })
    for _, b in ipairs(c.bids) do
      local o = c.out[b.bid_id]
      local bid = H(b.bid_id)
      add("<tr><td>" .. bid .. "</td><td>" .. letter_links("letters/" .. bid, H(B.of(B.LETTER, o.letter))) .. "</td></tr>")
    end
    table_close(add)
    add("<p>Per inschrijving een toelichting met elke score en motivering: explain/&lt;inschrijving&gt;.md.</p>")
  end

  -- the run and the audit trail this document belongs to
  add("<h2>Vastlegging</h2>")
  local info = regie.run_info()
  add('<div class="keep"><table>')
  if info.id then
    kv("Run", info.id, "run-id")
    add('<tr id="audit-head"><th>Auditlog bij het opstellen</th><td>SHA-256 van de laatste vastlegging: <span class="hash">'
        .. H(info.audit_head or "–") .. "</span></td></tr>")
  else
    kv("Run", "zonder run-opslag: geen run-id", "run-id")
  end
  add("</table>")
  if info.id then
    add("<p>" .. H("Dit proces-verbaal hoort bij de run hierboven: de vastlegging met deze hash en alle eerdere staan in het auditlog (regie log " .. info.id .. "); regie verify " .. info.id .. " controleert de keten.") .. "</p>")
  else
    add("<p>Deze beoordeling is uitgevoerd zonder run-opslag; er is geen auditlog om dit document aan te koppelen.</p>")
  end
  add("</div>")

  -- the signature block: one per member, or two blank ones
  add("<h2>Ondertekening</h2>")
  local place = cfg.committee and cfg.committee.place or ""
  add("<p>" .. H("Aldus vastgesteld" .. (place ~= "" and (" te " .. place) or "") .. " op " .. L.date_nl_long(date) .. ".") .. "</p>")
  add('<div class="signatures">')
  local signers = #members > 0 and members or { { name = "", role = "" }, { name = "", role = "" } }
  for _, m in ipairs(signers) do
    add('<div class="signature"><div class="line"></div>'
        .. "<div>Naam: " .. (m.name ~= "" and H(m.name) or "…………………………") .. "</div>"
        .. "<div>Rol: " .. (m.role ~= "" and H(m.role) or "…………………………") .. "</div>"
        .. "<div>Datum: " .. H(L.date_nl(date)) .. "</div></div>")
  end
  add("</div>")
  add("</body>")
  add("</html>")
  return t
end

-- ---- the step -------------------------------------------------------------------------------------

local function run(step)
  local part = step.params.part
  local reports, explanations = part ~= "explanations", part ~= "reports"
  local c = V.load()
  local intake = L.index("intake", "bid_id")
  local tiebreak = L.rows("tiebreak")
  -- the records of each tie group, in file order (looked up per bid)
  tiebreak.by_group = {}
  for _, tr in ipairs(tiebreak) do
    local g = tiebreak.by_group[tr.group]
    if not g then
      g = {}
      tiebreak.by_group[tr.group] = g
      g.members, g.of = 0, {}
    end
    g[#g + 1] = tr
    local own = g.of[tr.bid_id]
    if not own then
      own = {}
      g.of[tr.bid_id] = own
      g.members = g.members + 1
    end
    own[#own + 1] = tr
  end
  local qual_spread = {}
  for id, per in pairs(c.q) do
    for _, q in pairs(per) do
      if q.spread then qual_spread[id] = true end
    end
  end
  local flags = {}
  for _, b in ipairs(c.bids) do flags[b.bid_id] = flags_of(c, b.bid_id, intake, qual_spread) end

  if explanations then
    for _, b in ipairs(c.bids) do
      regie.write("explain/" .. b.bid_id .. ".md", explain_md(c, b.bid_id, flags, tiebreak))
    end
    if not reports then
      regie.info(string.format("%d explanation(s) written to explain/", #c.bids))
      return
    end
  end

  local order = ordered_bids(c)
  local lots = L.rows("lots")
  local notes = {}
  for _, name in ipairs({ "intake_notes", "quality_notes", "shortlist_notes" }) do
    for _, n in ipairs(L.items(regie.input(name))) do notes[#notes + 1] = n end
  end
  for _, b in ipairs(c.bids) do
    local r = c.rank[b.bid_id]
    if r and r.open == "lot_pending" then
      notes[#notes + 1] = "Inschrijving " .. b.bid_id .. ": gelijke stand, loting nodig (fysieke trekking)."
    end
  end

  local ranking_text, ranking_rows, ranking_cols = ranking_csv(c, order, flags)
  regie.write("ranking.csv", ranking_text)
  if step.params.ranking_data ~= "" then
    regie.output(step.params.ranking_data, ranking_typed(ranking_rows, ranking_cols), regie.list(ranking_cols))
  end
  regie.write("ranking.md", ranking_md(c, order, flags))
  local drows = L.rows("dates")
  local dcsv = {}
  for _, d in ipairs(drows) do dcsv[#dcsv + 1] = { name = d.name, date = L.str(d.date), label = d.label } end
  regie.write("dates.csv", regie.csv.encode(dcsv, { "name", "date", "label" }))
  regie.write("scores.svg", S.render(c))
  if #lots > 0 then
    regie.write("lot-protocol.md", lot_protocol(c, lots, tiebreak))
  end
  -- above [tender] report_split_above bids, the detail per bid goes to a
  -- page of its own, and the report's chart shows the best only
  local split = #c.bids > (c.cfg.tender.report_split_above or 200)
  local chart = { file = "scores.svg", caption = "Punten per criterium per inschrijving" }
  if split then
    local top = S.render(c, CHART_TOP)
    regie.write("scores-top.svg", top)
    chart = { file = "scores-top.svg",
              caption = string.format("Punten per criterium van de %d hoogst geplaatste inschrijvingen (alle inschrijvingen: scores.svg)", CHART_TOP) }
    local parts = score_parts(c)
    regie.write("report/report.css", CSS)
    for _, b in ipairs(c.bids) do
      regie.write("report/bid-" .. b.bid_id .. ".html", bid_page(c, b.bid_id, flags, tiebreak, parts))
    end
  end
  regie.write("report.html", report_html(c, order, flags, tiebreak, lots, notes, drows, split, chart))
  regie.info("reports written: ranking.csv, ranking.md, dates.csv, " .. (explanations and "explain/, " or "")
             .. "scores.svg, report.html" .. (split and string.format(" (detail of the %d bids in report/)", #c.bids) or "")
             .. (#lots > 0 and ", lot-protocol.md" or ""))
end

return {
  summary = "Reports: ranking.csv/md, explanations, scores.svg, lot protocol, report.html",
  params = {
    ranking_data = { type = "string", default = "",
                     description = "also hand the rows of ranking.csv, typed, as this data (one of the step's writes; ranking.xlsx is made from it); empty: not" },
    part = { type = "string", default = "all",
             description = "reports (all but explain/), explanations (only explain/) or all; two steps with a part each run side by side" },
  },
  run = run,
}
