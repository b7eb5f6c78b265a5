-- event/register.lua - the registrations in order (domain reference §3.1
-- steps 2-4): duplicates by e-mail address, seats up to the capacity and
-- max_per_org, a first-come waitlist, cancellations with promotion from
-- the waitlist until promote_until, registrations after the deadline
-- `late`, and the seats taken at 23:59 on the deadline.  The rules are in
-- event/lib.lua (L.process); this step hands them on as data.

local L = require "event.lib"

local COLUMNS = { "reg_id", "name", "email", "organisation", "registered_at", "cancelled_at", "status",
                  "waitlist_position", "promoted", "promoted_at", "joined_position", "letters", "line" }

return {
  summary = "Registrations in order: duplicates, seats, waitlist, cancellations, promotions",
  params = {},
  run = function(step)
    local cfg = L.config()
    local people, count = L.process(cfg, regie.input("registrations"))
    local out = regie.output_writer("participants", COLUMNS)
    for _, p in ipairs(people) do
      out:add(p.reg_id, p.name, p.email, p.organisation, p.registered_at, p.cancelled_at or regie.null,
              p.status, p.waitlist_position or regie.null, p.promoted, p.promoted_at or regie.null,
              p.joined_position or regie.null, regie.list(p.letters), p.line)
    end
    out:close()
    regie.output("at_deadline", count.at_deadline)
    regie.info(string.format("%d registrations: %d confirmed, %d on the waitlist, %d cancelled, "
                             .. "%d duplicate, %d late; %d confirmed at the deadline (%s 23:59)",
                             #people, count.confirmed, count.waitlisted, count.cancelled, count.duplicate,
                             count.late, count.at_deadline, cfg.deadline))
  end,
}
