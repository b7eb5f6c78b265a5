-- event/invite.lua - what goes out as registrations come in: participants.csv
-- (statuses and waitlist places), the letters so far (confirmation,
-- waitlist, seat available: event/letters.lua), event.ics (METHOD:PUBLISH,
-- one VEVENT per day) and an invitation per confirmed participant
-- (invites/<reg_id>.ics, METHOD:REQUEST, with ATTENDEE and RSVP).
--
-- A run after an earlier one (input previous_invites: its invites.csv)
-- keeps each invitation's SEQUENCE while the invitation is the same and
-- raises it by one where it changed (another time, place or title, another
-- name); an invitation sent before to someone no longer confirmed becomes
-- a METHOD:CANCEL with the next SEQUENCE.  invites.csv records them for
-- the next run: reg_id,uid,sequence,digest,method (reg_id * is event.ics).
-- A run that starts after the deadline with too few confirmed (NO-GO
-- already decided: the run's date is past decide_on) writes no invitation
-- to be cancelled at once: event.ics, and cancel.ics from the decide step.
--
-- mail_documents: each letter as a message for the mail step (the
-- mail-send plugin, doc/mail.md): to, name, subject, letter, attachments
-- (the participant's invitation, when one was written) and from (the
-- organizer).

local L = require "event.lib"

local EVENT = "*" -- the reg_id of event.ics in invites.csv

local PARTICIPANT_COLUMNS = { "reg_id", "name", "email", "organisation", "registered_at", "status",
                              "waitlist_position", "promoted", "letters" }

local function str(v)
  return L.text(v)
end

return {
  summary = "participants.csv, letters, event.ics and the invitations",
  params = {
    source_date_epoch = { type = "string", default = "",
                          description = "seconds since 1970 for DTSTAMP (reproducible files); empty: the start of the event" },
  },
  run = function(step)
    local cfg = L.config()
    local dtstamp = L.dtstamp(cfg, step.params.source_date_epoch)
    local people = regie.input("participants")

    -- participants.csv
    local w = regie.csv.writer("participants.csv", PARTICIPANT_COLUMNS)
    for _, p in ipairs(people) do
      w:add(p.reg_id, p.name, p.email, p.organisation, p.registered_at, p.status,
            str(p.waitlist_position), p.promoted and "yes" or "no", table.concat(p.letters, ";"))
    end
    w:close()

    -- the letters so far
    -- (and as documents for the pdf step: sent on the day of the
    -- registration, or of the cancellation that freed the seat)
    local letters = 0
    local docs = regie.output_writer("letter_documents", L.DOC_COLUMNS)
    local mails = {}
    for _, p in ipairs(people) do
      if #p.letters > 0 then
        local values = L.letter_values(cfg, p)
        for _, kind in ipairs(p.letters) do
          local path = string.format("letters/%s-%s.md", p.reg_id, kind)
          regie.write(path, L.fill(kind, values))
          local day = (kind == "plaats" and p.promoted_at or p.registered_at):sub(1, 10)
          local doc = L.document(cfg, p, kind, values, day)
          docs:add(table.unpack(doc))
          mails[#mails + 1] = { p = p, subject = doc[6], letter = path }
          letters = letters + 1
        end
      end
    end
    docs:close()

    -- the SEQUENCE of each invitation sent before
    local before = {}
    if regie.has_input("previous_invites") then
      for _, r in ipairs(regie.input("previous_invites")) do
        before[r.reg_id .. "\0" .. r.uid] = r
      end
    end
    local days = L.days(cfg)
    local rec = regie.output_writer("invites", { "reg_id", "uid", "sequence", "digest", "method" })
    local csv = regie.csv.writer("invites.csv", { "reg_id", "uid", "sequence", "digest", "method" })
    local changed = 0
    -- the sequence of each day of one calendar: the same while the VEVENT
    -- (without DTSTAMP and SEQUENCE) is the same, else one up
    local function sequences(reg_id, method, attendees)
      local seq = {}
      for _, day in ipairs(days) do
        local digest = regie.sha256(table.concat(L.vevent(cfg, day, "", 0, method, attendees), "\n"))
        local was = before[reg_id .. "\0" .. day.uid]
        local s = 0
        if was then
          s = was.sequence
          if was.digest ~= digest or (was.method or "") ~= method then
            s = s + 1
            changed = changed + 1
          end
        end
        seq[day.n] = s
        rec:add(reg_id, day.uid, s, digest, method)
        csv:add(reg_id, day.uid, s, digest, method)
      end
      return function(day) return seq[day.n] end
    end

    regie.write("event.ics", L.calendar(cfg, "PUBLISH", dtstamp, sequences(EVENT, "PUBLISH")))
    local today = regie.run_info().today
    local no_go = today and today >= regie.input("decide_on")
      and regie.input("at_deadline") < cfg.event.min_participants
    local invites, cancels = 0, 0
    local ics_written = {} -- reg_id: the path of the invitation written
    for _, p in ipairs(people) do
      local attendee = { { name = p.name, email = p.email } }
      if p.status == "confirmed" and no_go then
        -- NO-GO is decided: no invitation (cancel.ics says the event is off)
      elseif p.status == "confirmed" then
        regie.write("invites/" .. p.reg_id .. ".ics",
                    L.calendar(cfg, "REQUEST", dtstamp, sequences(p.reg_id, "REQUEST", attendee), attendee))
        ics_written[p.reg_id] = "invites/" .. p.reg_id .. ".ics"
        invites = invites + 1
      elseif before[p.reg_id .. "\0" .. days[1].uid] then
        -- invited before, no longer confirmed: the invitation is withdrawn
        regie.write("invites/" .. p.reg_id .. ".ics",
                    L.calendar(cfg, "CANCEL", dtstamp, sequences(p.reg_id, "CANCEL", attendee), attendee))
        ics_written[p.reg_id] = "invites/" .. p.reg_id .. ".ics"
        cancels = cancels + 1
      end
    end
    rec:close()
    csv:close()

    -- each letter as a message, with the participant's invitation
    local from = cfg.organizer_name ~= "" and (cfg.organizer_name .. " <" .. cfg.organizer .. ">")
      or cfg.organizer
    local mail = regie.output_writer("mail_documents",
                                     { "to", "name", "subject", "letter", "attachments", "from" })
    for _, m in ipairs(mails) do
      local ics = ics_written[m.p.reg_id]
      mail:add(m.p.email, m.p.name, m.subject, m.letter, ics or regie.null, from)
    end
    mail:close()
    regie.info(string.format("%d letters, %d invitations%s%s%s", letters, invites,
                             no_go and " (NO-GO already decided: none written)" or "",
                             cancels > 0 and string.format(", %d withdrawn", cancels) or "",
                             changed > 0 and string.format(" (%d events changed since the run before)", changed) or ""))
  end,
}
