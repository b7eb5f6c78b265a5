-- tender/letters.lua - the texts of every letter (Dutch, Markdown).
--
-- An administrator may reword any text here.  {{name}} is replaced by a
-- value the letters step (write_letters.lua) fills in; an unknown name stops
-- the run with the template's name, so a typo is noticed at once.
--
-- Values available in every letter:
--   organisation, contact, tender_id, tender_title, perceel, subject,
--   bid_id, supplier, candidate, closing (e.g. "12 januari 2026"),
--   rank, total ("67,92 punten"), scores_table, signature,
--   invite_top_n, notice_date ("16 januari 2026"), notice_date_long
--   ("vrijdag 16 januari 2026"), interview_details, invited_after,
--   exclusion_lines, interview_outcome, interview_reason,
--   winner_supplier, winner_candidate, winner_total, comparison_table,
--   advantages, award_notice, no_award_notice, standstill, checklist,
--   sent, standstill_days, standstill_end ("28 april 2026"), sign_from.

local T = {}

T.header = [[
**{{organisation}}**

Betreft: {{subject}}
Uw inschrijving: {{bid_id}} – {{supplier}}, kandidaat {{candidate}}

Geachte heer, mevrouw,
]]

T.signature = [[
Met vriendelijke groet,

{{organisation}}
{{contact}}
]]

-- interview invitation (top invite_top_n, or next-ranked after an exclusion)
T.invitation = [[
# Uitnodiging voor een gesprek

{{header}}
Hartelijk dank voor uw inschrijving. De beoordelingscommissie heeft alle toegelaten inschrijvingen beoordeeld op de gunningscriteria. Uw inschrijving staat op plaats {{rank}} met {{total}}.{{invited_after}}

Wij nodigen uw kandidaat {{candidate}} daarom graag uit voor een gesprek.{{interview_details}}

Uw scores:

{{scores_table}}

Een voornemen tot gunning volgt na de gesprekken. De rangschikking blijft daarbij ongewijzigd.

{{signature}}]]

-- not selected for an interview
T.not_selected = [[
# Niet geselecteerd voor een gesprek

{{header}}
Hartelijk dank voor uw inschrijving. De beoordelingscommissie heeft alle toegelaten inschrijvingen beoordeeld op de gunningscriteria. Uw inschrijving staat op plaats {{rank}} met {{total}}. Alleen de {{invite_top_n}} hoogst geplaatste inschrijvingen worden uitgenodigd voor een gesprek; uw inschrijving hoort daar niet bij.

Zoals in de uitvraag staat: wie uiterlijk {{notice_date_long}} geen uitnodiging heeft ontvangen, is niet geselecteerd. Deze brief bevestigt dat. Mocht een hoger geplaatste kandidaat afvallen, dan nodigen wij de eerstvolgende in de rangschikking alsnog uit.

Uw scores:

{{scores_table}}

{{signature}}]]

-- excluded at intake or by a knock-out requirement (or a rejected abnormally low price)
T.exclusion = [[
# Uitsluiting van uw inschrijving

{{header}}
Hartelijk dank voor uw inschrijving. Uw inschrijving is uitgesloten en daarom niet verder beoordeeld:

{{exclusion_lines}}
{{award_notice}}{{no_award_notice}}
{{signature}}]]

-- excluded after the interview
T.exclusion_interview = [[
# Uitsluiting na het gesprek

{{header}}
Hartelijk dank voor het gesprek met uw kandidaat {{candidate}}. Op grond van dit gesprek is uw inschrijving uitgesloten: {{interview_outcome}}.{{interview_reason}}

Uw inschrijving stond op plaats {{rank}} met {{total}}. De rangschikking van de andere inschrijvingen blijft ongewijzigd; de eerstvolgende inschrijving in de rangschikking is uitgenodigd.
{{award_notice}}
{{signature}}]]

-- passed the interview, award not yet decided
T.pending = [[
# Uitslag van het gesprek

{{header}}
Hartelijk dank voor het gesprek met uw kandidaat {{candidate}}. Het gesprek is positief beoordeeld. Uw inschrijving staat op plaats {{rank}} met {{total}}. Zodra alle gesprekken zijn afgerond, ontvangen alle inschrijvers tegelijk het voornemen tot gunning.

{{signature}}]]

-- the intended award, to the winner
T.award = [[
# Voornemen tot gunning

{{header}}
Wij zijn voornemens de opdracht aan u te gunnen, met {{candidate}} als kandidaat. Uw inschrijving is als eerste geëindigd met {{total}} en het gesprek is positief beoordeeld.

## Motivering: uw scores

{{scores_table}}

## Opschortende termijn

{{standstill}}

## Wat wij nog van u nodig hebben

{{checklist}}

{{signature}}]]

-- the intended award, to every other ranked bidder (scores beside the winner's)
T.award_other = [[
# Voornemen tot gunning aan een andere inschrijver

{{header}}
Wij zijn voornemens de opdracht te gunnen aan {{winner_supplier}}, met {{winner_candidate}} als kandidaat ({{winner_total}}). Uw inschrijving staat op plaats {{rank}} met {{total}}.

## Uw scores naast die van de winnaar

{{comparison_table}}

## Kenmerken en relatieve voordelen van de winnende inschrijving

{{advantages}}

## Opschortende termijn

{{standstill}}

{{signature}}]]

-- added to exclusion letters once the award is decided
T.award_notice = [[

## Voornemen tot gunning

Wij zijn voornemens de opdracht te gunnen aan {{winner_supplier}}, met {{winner_candidate}} als kandidaat ({{winner_total}}).

{{standstill}}
]]

-- added to exclusion letters when no bid at all is admitted
T.no_award_notice = [[

Geen enkele inschrijving voldoet aan de eisen. De opdracht wordt daarom niet gegund op deze uitvraag; wij zetten de uitvraag zo nodig opnieuw uit.
]]

T.standstill = [[
Deze beslissing is verzonden op {{sent}}. De opschortende termijn van {{standstill_days}} kalenderdagen eindigt op {{standstill_end}}. Wilt u de beslissing aanvechten, dan moet u binnen deze termijn een kort geding aanhangig maken. Is dat niet gebeurd, dan kan de overeenkomst worden ondertekend vanaf {{sign_from}}.]]

T.checklist = [[
- uw personalia en die van de kandidaat;
- een ondertekende geheimhoudingsverklaring;
- een bewijs van uw beroepsaansprakelijkheidsverzekering.]]

-- A template's text cut at its {{name}}s, made once per text:
-- { text, name, text, name, ..., text }: texts at the odd places, names at
-- the even ones.
local pieces_of = {}
local function pieces(text)
  local p = pieces_of[text]
  if not p then
    p = {}
    local from = 1
    for at, key, after in text:gmatch("(){{%s*([%w_]+)%s*}}()") do
      p[#p + 1] = text:sub(from, at - 1)
      p[#p + 1] = key
      from = after
    end
    p[#p + 1] = text:sub(from)
    pieces_of[text] = p
  end
  return p
end

-- Fill a template.  vars: name -> text.  Templates may use other templates
-- as {{header}}, {{signature}}, ... (filled first from `vars`, then from T).
local function render(name, vars, depth)
  depth = depth or 0
  local text = T[name]
  if not text then
    error("letters.lua: no template named " .. tostring(name), 0)
  end
  local p = pieces(text)
  local out = {}
  for i = 1, #p, 2 do
    out[i] = p[i]
    local key = p[i + 1]
    if key then
      local v = vars[key]
      if v == nil and T[key] and depth < 4 then
        v = render(key, vars, depth + 1)
      end
      if v == nil then
        error(string.format("letters.lua: template %s uses {{%s}}, which is not filled in", name, key), 0)
      end
      out[i + 1] = tostring(v)
    end
  end
  return table.concat(out)
end

return { templates = T, render = render }
