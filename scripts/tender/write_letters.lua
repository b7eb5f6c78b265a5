-- tender/write_letters.lua - step 10b: one letter per bid, letters/<bid_id>.md.
--
-- Which letter a bid gets is decided in decision.lua (column `letter` of
-- `outcome`); the texts are the templates of letters.lua.  This step only
-- fills them in.  It also hands the letters on as data (`letter_documents`:
-- path, body, addressee, place_date, reference, subject, signature, date)
-- for the pdf step, which sets them in the house style: there the
-- letterhead carries the subject and reference, so the body starts at the
-- salutation and the signature is set apart.

local L = require "tender.lib"
local V = require "tender.view"
local letters = require "tender.letters"
local ics = require "common.ics"

-- An interview invitation as an iCalendar file: one event, times in
-- Europe/Amsterdam with its VTIMEZONE, METHOD:PUBLISH (the files carry no
-- attendee addresses), a stable UID <tender id>-<bid id>-interview@regie
-- and DTSTAMP = the closing time in UTC, so the same input gives the same
-- bytes.
-- ev: { uid, dtstamp (UTC form), start, stop ("YYYY-MM-DDTHH:MM" local),
--       summary, location, description }
local function invitation(ev)
  local lines = { "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//regie//tender-evaluation//NL",
                  "CALSCALE:GREGORIAN", "METHOD:PUBLISH" }
  table.move(ics.VTIMEZONE, 1, #ics.VTIMEZONE, #lines + 1, lines)
  lines[#lines + 1] = "BEGIN:VEVENT"
  lines[#lines + 1] = "UID:" .. ev.uid
  lines[#lines + 1] = "DTSTAMP:" .. ev.dtstamp
  lines[#lines + 1] = "DTSTART;TZID=" .. ics.TZID .. ":" .. ics.local_time(ev.start)
  lines[#lines + 1] = "DTEND;TZID=" .. ics.TZID .. ":" .. ics.local_time(ev.stop)
  lines[#lines + 1] = "SEQUENCE:0"
  lines[#lines + 1] = "STATUS:CONFIRMED"
  lines[#lines + 1] = "SUMMARY:" .. ics.text(L.str(ev.summary))
  if ev.location and ev.location ~= "" then
    lines[#lines + 1] = "LOCATION:" .. ics.text(L.str(ev.location))
  end
  if ev.description and ev.description ~= "" then
    lines[#lines + 1] = "DESCRIPTION:" .. ics.text(L.str(ev.description))
  end
  lines[#lines + 1] = "END:VEVENT"
  lines[#lines + 1] = "END:VCALENDAR"
  return ics.lines(lines)
end

-- Interview slots: with [interviews] first_slot, every bid ever invited gets
-- the next slot, first the initial invitees in rank order, then those
-- invited after an exclusion, so a later run keeps the earlier slots.
local function slots(c)
  local cfg = c.cfg
  if not cfg.interviews.first_slot then return {} end
  local first, later = {}, {}
  for _, o in ipairs(c.outcome_rows) do
    local x = c.iv and c.iv[o.bid_id]
    local ever = o.status == "invited" or (x and (x.outcome ~= "" or x.invited_after ~= ""))
    if ever and not L.is_null(c.rank[o.bid_id].rank) then
      if x and x.invited_after ~= "" then later[#later + 1] = o.bid_id else first[#first + 1] = o.bid_id end
    end
  end
  local function by_rank(a, b)
    local ra, rb = c.rank[a].rank, c.rank[b].rank
    if ra ~= rb then return ra < rb end
    return a < b
  end
  table.sort(first, by_rank)
  table.sort(later, by_rank)
  for _, id in ipairs(later) do first[#first + 1] = id end
  local out, at = {}, L.stamp(cfg.interviews.first_slot)
  for _, id in ipairs(first) do
    local stop = ics.add_minutes(at, cfg.interviews.slot_minutes)
    out[id] = { start = at, stop = stop }
    at = ics.add_minutes(stop, cfg.interviews.break_minutes)
  end
  return out
end

local function subject_of(cfg)
  return (cfg.tender.title ~= "" and (cfg.tender.title .. " ") or "") .. "(" .. cfg.tender.id .. ")"
         .. (cfg.tender.perceel ~= "" and (", perceel " .. cfg.tender.perceel) or "")
end

-- The addressee's lines: the supplier, for the attention of the contact
-- (or the candidate), and the address (bids.csv columns contact, address:
-- optional; address lines separated by ";" or line breaks).
local function addressee(b)
  local lines = { L.str(b.supplier) }
  local contact = L.trim(L.str(b.contact or ""))
  lines[#lines + 1] = "t.a.v. " .. (contact ~= "" and contact or L.str(b.candidate))
  for part in (L.str(b.address or "") .. ";"):gmatch("([^;\n]*)[;\n]") do
    part = L.trim(part)
    if part ~= "" then lines[#lines + 1] = part end
  end
  return table.concat(lines, "\n")
end

local DOC_COLUMNS = { "path", "body", "addressee", "place_date", "reference", "subject", "signature", "date" }

local function run(step)
  local c = V.load()
  local cfg = c.cfg
  local dates = c.dates
  local function date_of(name)
    local r = dates[name]
    return r and L.str(r.date) or nil
  end

  local base = {
    organisation = cfg.tender.organisation ~= "" and cfg.tender.organisation or "De opdrachtgever",
    contact = cfg.tender.contact,
    tender_id = cfg.tender.id,
    tender_title = cfg.tender.title,
    perceel = cfg.tender.perceel,
    subject = subject_of(cfg),
    closing = L.date_nl(L.date_of(cfg.tender.closing)),
    invite_top_n = tostring(cfg.interviews.invite_top_n),
    notice_date = L.date_nl(c.notice),
    notice_date_long = L.date_nl_long(c.notice),
    standstill_days = tostring(cfg.decision.standstill_days),
    sent = "",
    standstill_end = "",
    sign_from = "",
  }
  if cfg.decision.sent then
    base.sent = L.date_nl(cfg.decision.sent)
    base.standstill_end = L.date_nl(date_of("standstill_end"))
    base.sign_from = L.date_nl(date_of("sign_from"))
  end
  local details = {}
  if cfg.interviews.period ~= "" then details[#details + 1] = "De gesprekken vinden plaats " .. cfg.interviews.period .. "." end
  if cfg.interviews.location ~= "" then details[#details + 1] = "Locatie: " .. cfg.interviews.location .. "." end
  details[#details + 1] = "U ontvangt een agenda-uitnodiging met de precieze tijd."
  base.interview_details = " " .. table.concat(details, " ")

  local slot = slots(c)
  local winner = c.winner
  if winner then
    local wb = c.bid[winner]
    base.winner_supplier = L.str(wb.supplier)
    base.winner_candidate = L.str(wb.candidate)
    base.winner_total = V.total_text(c, winner)
  end

  -- each letter's values: its own, and those of `base` for the rest
  local with_base = { __index = base }
  local count = 0
  local docs = regie.output_writer("letter_documents", DOC_COLUMNS)
  local place = L.trim(cfg.tender.place or "")
  for _, b in ipairs(c.bids) do
    local id = b.bid_id
    local o = c.out[id]
    local vars = setmetatable({}, with_base)
    vars.bid_id = id
    vars.supplier = L.str(b.supplier)
    vars.candidate = L.str(b.candidate)
    local r = c.rank[id]
    local shown_rank = not L.is_null(o.rank) and o.rank or (r and r.rank)
    vars.rank = L.is_null(shown_rank) and "–" or tostring(shown_rank)
    vars.total = V.total_text(c, id)
    vars.scores_table = V.scored(c, id) and V.score_table(c, id) or ""
    vars.invited_after = ""
    vars.interview_outcome = V.interview_outcome(c, id)
    vars.interview_reason = ""
    if c.iv and c.iv[id] then
      local x = c.iv[id]
      if x.invited_after ~= "" then
        vars.invited_after = string.format(" Een hoger geplaatste kandidaat is na het gesprek afgevallen; daarom komt uw inschrijving nu in aanmerking.")
      end
      if L.trim(x.reason) ~= "" then
        vars.interview_reason = " Toelichting: " .. L.trim(x.reason) .. "."
      end
    end
    local excl = {}
    for _, l in ipairs(V.exclusion_lines(c, id)) do excl[#excl + 1] = "- " .. l end
    vars.exclusion_lines = table.concat(excl, "\n")
    vars.award_notice = ""
    vars.no_award_notice = c.state == "no_award_possible" and letters.render("no_award_notice", vars) or ""
    if winner and winner ~= id then
      vars.comparison_table = V.score_table(c, id, winner, "Uw punten", "Winnaar (" .. winner .. ")")
      vars.advantages = V.advantages(c, id, winner)
      if o.letter == "exclusion" or o.letter == "exclusion_interview" then
        vars.award_notice = letters.render("award_notice", vars)
      end
    end
    local sl = slot[id]
    if sl and o.letter == "invitation" then
      vars.interview_details = string.format(" Het gesprek is op %s om %s uur (%d minuten)%s. U vindt het ook in de bijgevoegde agenda-uitnodiging.",
                                             L.date_nl_long(sl.start), sl.start:sub(12, 16), cfg.interviews.slot_minutes,
                                             cfg.interviews.location ~= "" and (", locatie: " .. cfg.interviews.location) or "")
      regie.write("invites/" .. id .. ".ics", invitation({
        uid = cfg.tender.id .. "-" .. id .. "-interview@regie",
        dtstamp = ics.utc(L.stamp(cfg.tender.closing)),
        start = sl.start,
        stop = sl.stop,
        summary = "Gesprek " .. (cfg.tender.title ~= "" and cfg.tender.title or cfg.tender.id) .. " – " .. L.str(b.candidate),
        location = cfg.interviews.location,
        description = string.format("Gesprek met kandidaat %s (inschrijving %s, %s) over %s.", L.str(b.candidate), id,
                                    L.str(b.supplier), subject_of(cfg)),
      }))
    end
    local text = letters.render(o.letter, vars)
    -- an empty part leaves blank lines: at most one in a row (find first:
    -- most letters have none to take out)
    if text:find("\n\n\n", 1, true) then
      text = text:gsub("\n\n\n+", "\n\n")
    end
    regie.write("letters/" .. id .. ".md", text)
    -- the same letter as a document: the letterhead holds what the
    -- Markdown header says, so the body starts at the salutation
    local dvars = setmetatable({ header = "Geachte heer, mevrouw,\n", signature = "" }, { __index = vars })
    local body = letters.render(o.letter, dvars)
    if body:find("\n\n\n", 1, true) then
      body = body:gsub("\n\n\n+", "\n\n")
    end
    -- the letter's date: the shortlist's letters are sent on the notice
    -- date, the decision's (once there is one) when the decision is sent
    local day = c.notice
    local decided = winner or c.state == "no_award_possible"
    if cfg.decision.sent and decided and o.letter ~= "invitation" and o.letter ~= "not_selected" then
      day = cfg.decision.sent
    end
    local date_text = L.date_nl(day)
    docs:add("letters/" .. id .. ".pdf", body, addressee(b),
             place ~= "" and (place .. ", " .. date_text) or date_text,
             cfg.tender.id .. "/" .. id, subject_of(cfg),
             (letters.render("signature", vars):gsub("%s+$", "")),
             L.str(day))
    count = count + 1
  end
  docs:close()
  regie.info(string.format("%d letter(s) written to letters/", count))
end

return {
  summary = "Letters to every bidder (texts in letters.lua)",
  params = {},
  run = run,
}
