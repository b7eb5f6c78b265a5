-- tender/labels.lua - the words the documents use for the settings of
-- tender.ini: every code a setting may hold, in plain Dutch, so that no
-- internal code (`das`, `half_up`, `criterion:W3`, `keep_ranking`) reaches
-- a report a person reads.  An admin edits the texts here; a value not in
-- a table is shown as it was written (it is then the user's own text, as
-- a procedure name of their own).
--   local B = require "tender.labels"

local B = {}

-- [tender] procedure
B.PROCEDURE = {
  das = "dynamisch aankoopsysteem",
  nadere_uitvraag = "nadere uitvraag binnen een dynamisch aankoopsysteem",
  openbaar = "openbare procedure",
  open = "openbare procedure",
  europees = "Europese openbare procedure",
  europees_openbaar = "Europese openbare procedure",
  nationaal = "nationale openbare procedure",
  nationaal_openbaar = "nationale openbare procedure",
  niet_openbaar = "niet-openbare procedure",
  meervoudig_onderhands = "meervoudig onderhandse procedure",
  enkelvoudig_onderhands = "enkelvoudig onderhandse procedure",
  raamovereenkomst = "nadere opdracht onder een raamovereenkomst",
}

-- The rounding every figure uses (domain reference §0).
B.HALF_UP = "rekenkundig afgerond (0,5 naar boven)"

-- [requirements] rate_rounding
B.RATE_ROUNDING = {
  half_up = "het uurtarief wordt rekenkundig afgerond op hele euro's (0,5 naar boven) en daarna getoetst",
  reject = "het uurtarief wordt niet afgerond: een tarief dat geen heel bedrag in euro's is, voldoet niet",
}

-- [scoring] aggregation
B.AGGREGATION = {
  mean = "het gemiddelde van de niveaus van de beoordelaars",
  median = "de mediaan van de niveaus van de beoordelaars",
  consensus = "één consensusscore van de commissie",
}
-- the same, short (a column head, a line of points)
B.AGGREGATION_SHORT = { mean = "gemiddelde", median = "mediaan", consensus = "consensus" }

-- [scoring] round_stage
B.ROUND_STAGE = {
  total = "alleen het totaal wordt afgerond",
  criterion = "de punten per criterium, de herschaalde kwaliteit en de prijspunten worden elk afgerond en daarna opgeteld",
}

-- [interviews] on_late_exclusion
B.ON_LATE_EXCLUSION = {
  keep_ranking = "de rangschikking blijft ongewijzigd; de eerstvolgende inschrijving in de rangschikking wordt uitgenodigd",
}

-- [ranking] lot_mode
B.LOT_MODE = {
  seeded = "geautomatiseerde loting met een vooraf vastgelegde sleutel; iedereen kan de uitkomst narekenen",
  external = "fysieke trekking; de inschrijvers worden vooraf geïnformeerd en mogen aanwezig zijn",
}

-- [award] price_method, short (the row of the price in the table of criteria)
B.PRICE_METHOD_SHORT = {
  none = "geen prijscriterium",
  lowest_ratio = "prijspunten naar verhouding tot de laagste prijs",
  linear_ceiling = "prijspunten lineair tussen plafondprijs en bodemprijs",
  relative_deviation = "prijspunten naar de relatieve afwijking van de laagste prijs",
  fictitious_discount = "fictieve korting (gunnen op waarde)",
}

-- criteria.csv check: how a requirement is tested
B.CHECK = {
  max_rate = "berekend uit het aangeboden uurtarief",
  documents = "berekend uit het aantal meegestuurde cv's en motivatiebrieven",
  [""] = "oordeel van de beoordelaars",
}

-- [calendar] liberation_day
B.LIBERATION_DAY = {
  yearly = "elk jaar een vrije dag",
  lustrum = "alleen in lustrumjaren (2025, 2030, ...) een vrije dag",
  never = "geen vrije dag",
}

-- fields of bids.csv a preference rule may name
B.FIELD = { region = "regio", supplier = "inschrijver", candidate = "kandidaat" }

-- Interview outcomes, letter kinds
B.INTERVIEW = { pass = "voldoende", fail = "onvoldoende", no_show = "niet verschenen" }
B.LETTER = {
  invitation = "uitnodiging gesprek", not_selected = "niet geselecteerd", exclusion = "uitsluiting",
  exclusion_interview = "uitsluiting na gesprek", pending = "uitslag gesprek",
  award = "voornemen tot gunning (winnaar)", award_other = "voornemen tot gunning (overige)",
}

function B.yes_no(v)
  return v and "ja" or "nee"
end

-- A table's label for v, or v itself.
function B.of(tbl, v)
  if v == nil then return "" end
  return tbl[v] or tostring(v)
end

-- The procedure as words: the code's label, or the text as written.
function B.procedure(p)
  local key = (p or ""):lower():gsub("[%s%-]+", "_")
  return B.PROCEDURE[key] or p
end

-- One tie-break rule as words; crit: criteria by id (for the title).
--   criterion:W3 -> "hoogste score op criterium W3 (Zelfstandig ...)"
function B.tiebreak_rule(rule, crit)
  local kind, arg = rule:match("^(%a+):(.+)$")
  if rule == "price" then
    return "laagste prijs"
  elseif rule == "lot" then
    return "loting"
  elseif kind == "criterion" then
    local cr = crit and crit[arg]
    return "hoogste score op criterium " .. arg .. (cr and cr.title ~= "" and (" (" .. cr.title .. ")") or "")
  elseif kind == "preference" then
    local field, want = arg:match("^([%w_]+)=(.+)$")
    if field then
      return string.format("voorkeur voor een inschrijving met %s %s", B.FIELD[field] or field, want)
    end
  end
  return rule
end

-- The list of tie-break rules as a sentence: "eerst ..., dan ..., ten slotte ...".
function B.tiebreak_rules(rules, crit)
  local t = {}
  for i, r in ipairs(rules) do t[i] = B.tiebreak_rule(r, crit) end
  if #t == 0 then return "geen" end
  if #t == 1 then return t[1] end
  return "eerst " .. table.concat(t, ", dan ", 1, #t - 1) .. ", ten slotte " .. t[#t]
end

-- A step of the tie-break record (rank.lua's `tiebreak` rows): the rule,
-- the value compared and the outcome, as words; `euro`: the totals are
-- fictitious prices (fictitious_discount).
local function euro_text(value)
  local whole, frac = value:match("^(%-?%d+)%.?(%d*)$")
  return "€" .. whole .. "," .. (frac .. "00"):sub(1, 2)
end

function B.tiebreak_step(tr, crit, euro)
  local rule, value, outcome = tr.rule, tr.value or "", tr.outcome or ""
  local label
  if rule == "totaal" then
    label = "gelijk totaal"
  elseif rule == "besluit" then
    label = "besluit van de commissie"
  elseif rule == "-" then
    label = "geen beslisregel meer"
  else
    label = B.tiebreak_rule(rule, crit)
  end
  if (rule == "price" or (rule == "totaal" and euro)) and value:match("^%-?%d+%.?%d*$") then
    value = euro_text(value)
  elseif (rule == "totaal" or rule:match("^criterion:")) and value:match("^%-?%d+%.?%d*$") then
    value = value:gsub("%.", ",")
  elseif rule == "lot" and value == "lot_result" then
    value = "uitslag van de trekking, vastgelegd vóór de beoordeling"
  elseif rule == "lot" and value:match("^%x+$") and #value == 16 then
    value = "sleutelwaarde " .. value
  elseif rule:match("^preference:") then
    local field, have = value:match("^([%w_]+)=(.*)$")
    if field then value = (B.FIELD[field] or field) .. ": " .. have end
  end
  outcome = outcome:gsub("^lot: ", "loting: ")
  return label, value, outcome
end

-- Members of the committee from [committee] members: "Naam (rol)" each;
-- without a role in brackets, the member is "lid".
function B.members(list)
  local out = {}
  for _, m in ipairs(list or {}) do
    m = tostring(m):gsub("^%s+", ""):gsub("%s+$", "")
    if m ~= "" then
      local name, role = m:match("^(.-)%s*%((.-)%)$")
      if not name or name == "" then
        name, role = m, "lid"
      end
      out[#out + 1] = { name = name, role = role ~= "" and role or "lid" }
    end
  end
  return out
end

return B
