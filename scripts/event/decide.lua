-- event/decide.lua - go/no-go at 23:59 on the deadline (domain reference
-- §3.1 step 4): GO when the confirmed registrations at that moment number
-- at least min_participants; registrations after it never count.  The step
-- runs once the deadline has passed (the wait before it, `until:`), so a
-- run started earlier waits for it.
--
-- decision.txt: GO or NO-GO on its first line, then the count, the minimum,
-- the deadline and the rule.  NO-GO: a cancellation letter to everyone
-- confirmed or on the waitlist, and cancel.ics (METHOD:CANCEL, the same
-- UIDs, SEQUENCE one above the invitations', STATUS:CANCELLED).  GO: the
-- reminder outbox at the offsets of [reminders] (outbox/reminders.csv and
-- a text per reminder).

local L = require "event.lib"
local ics = require "common.ics"

return {
  summary = "Go/no-go, and what follows from it",
  params = {
    source_date_epoch = { type = "string", default = "",
                          description = "seconds since 1970 for DTSTAMP (reproducible files); empty: the start of the event" },
  },
  run = function(step)
    local cfg = L.config()
    local e = cfg.event
    local count = regie.input("at_deadline")
    local go = count >= e.min_participants
    local decision = go and "GO" or "NO-GO"
    regie.write("decision.txt", table.concat({
      decision,
      "confirmed at the deadline: " .. count,
      "min_participants: " .. e.min_participants,
      string.format("deadline: %s 23:59 (registration_close = %s)", cfg.deadline, L.trim(e.registration_close)),
      "rule: GO when the confirmed registrations at the deadline number at least min_participants",
      "",
    }, "\n"))
    regie.output("decision", decision)
    local people = regie.input("participants")

    if not go then
      -- the highest SEQUENCE each event had, and who was invited
      local seq = {}
      for _, r in ipairs(regie.input("invites")) do
        if r.method ~= "CANCEL" and (seq[r.uid] or -1) < r.sequence then
          seq[r.uid] = r.sequence
        end
      end
      local attendees, letters = {}, 0
      -- sent the day after the deadline, also as documents (the pdf step)
      local docs = regie.output_writer("cancel_documents", L.DOC_COLUMNS)
      local day = L.day_after(cfg.deadline)
      for _, p in ipairs(people) do
        if p.status == "confirmed" or p.status == "waitlisted" then
          local values = L.letter_values(cfg, p)
          regie.write(string.format("letters/%s-afgelast.md", p.reg_id), L.fill("afgelast", values))
          docs:add(table.unpack(L.document(cfg, p, "afgelast", values, day)))
          letters = letters + 1
          if p.status == "confirmed" then
            attendees[#attendees + 1] = { name = p.name, email = p.email }
          end
        end
      end
      docs:close()
      local dtstamp = L.dtstamp(cfg, step.params.source_date_epoch)
      regie.write("cancel.ics", L.calendar(cfg, "CANCEL", dtstamp, function(day)
        return (seq[day.uid] or 0) + 1
      end, attendees))
      regie.info(string.format("NO-GO: %d confirmed at the deadline, %d needed; %d cancellation letters, cancel.ics",
                               count, e.min_participants, letters))
      return
    end

    -- GO: no cancellation letters; the reminders
    regie.output_writer("cancel_documents", L.DOC_COLUMNS):close()
    local w = regie.csv.writer("outbox/reminders.csv", { "reg_id", "email", "offset", "send_at" })
    local n = 0
    for _, p in ipairs(people) do
      if p.status == "confirmed" then
        local values
        for _, o in ipairs(cfg.offsets) do
          local at = ics.add_minutes(cfg.start, -o.minutes)
          w:add(p.reg_id, p.email, o.text, at)
          values = values or L.letter_values(cfg, p)
          values.offset, values.send_at = o.text, L.datetime_nl(at)
          regie.write(string.format("outbox/%s-%s.txt", p.reg_id, o.text), L.fill("herinnering", values))
          n = n + 1
        end
      end
    end
    w:close()
    regie.info(string.format("GO: %d confirmed at the deadline, %d needed; %d reminders in outbox/",
                             count, e.min_participants, n))
  end,
}
