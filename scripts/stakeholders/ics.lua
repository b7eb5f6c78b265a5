-- ics.lua - the contact moments as an iCalendar file (RFC 5545): CRLF line
-- ends, lines folded at 75 octets (never inside a UTF-8 character),
-- METHOD:PUBLISH, all-day events, stable UIDs
-- <analysis-id>-<stakeholder-id>-<n>@<domain>, DTSTAMP in UTC taken from
-- SOURCE_DATE_EPOCH when set, else the plan start at 00:00 UTC, so the file
-- is the same for the same input.

local lib = require "stakeholders.lib"
local R = lib.rules

local function stamp(cfg, epoch)
  epoch = lib.trim(epoch or "")
  if epoch ~= "" then
    local e = epoch:match("^%d+$") and math.tointeger(tonumber(epoch))
    if not e then
      regie.fail(string.format("SOURCE_DATE_EPOCH: found \"%s\", expected a whole number of seconds",
                               epoch))
    end
    local day, secs = e // 86400, e % 86400
    local y, m, d = lib.ymd(day)
    return string.format("%04d%02d%02dT%02d%02d%02dZ", y, m, d, secs // 3600, secs % 3600 // 60,
                         secs % 60)
  end
  return cfg.start:gsub("-", "") .. "T000000Z"
end

local KIND_NL = { regular = "contactmoment", address_concerns = "extra gesprek: zorgen wegnemen" }

return {
  summary = "Write the contact moments as contacts.ics",
  params = {
    source_date_epoch = { type = "string", default = "",
                          description = "seconds since 1970 for DTSTAMP (reproducible builds); empty: the plan start" },
  },
  run = function(step)
    local cfg = lib.config()
    local dtstamp = stamp(cfg, step.params.source_date_epoch)
    local contacts = lib.rows(regie.input("contacts"))
    table.sort(contacts, function(a, b)
      if a.priority ~= b.priority then
        return a.priority < b.priority
      end
      return a.n < b.n
    end)
    local lines = {}
    local function prop(s)
      lines[#lines + 1] = lib.ics_fold(s)
    end
    prop("BEGIN:VCALENDAR")
    prop("VERSION:2.0")
    prop("PRODID:-//regie//stakeholder-analysis//NL")
    prop("CALSCALE:GREGORIAN")
    prop("METHOD:PUBLISH")
    prop("X-WR-CALNAME:" .. lib.ics_text("Contactmomenten " .. cfg.title))
    for _, c in ipairs(contacts) do
      local day = lib.day(c.date)
      prop("BEGIN:VEVENT")
      prop(string.format("UID:%s-%s-%d@%s", cfg.id, c.id, c.n, cfg.domain))
      prop("DTSTAMP:" .. dtstamp)
      prop("DTSTART;VALUE=DATE:" .. c.date:gsub("-", ""))
      prop("DTEND;VALUE=DATE:" .. lib.iso(day + 1):gsub("-", ""))
      prop("SUMMARY:" .. lib.ics_text(string.format("%s: %s (%s)", c.name, c.channel,
                                                    KIND_NL[c.kind] or c.kind)))
      prop("DESCRIPTION:" .. lib.ics_text(string.format("Doel: %s\nBoodschap: %s\nKanaal: %s (%s)\nEigenaar: %s\nContact %d voor %s (prioriteit %d).",
                                                        c.goal, c.message, c.channel, c.mode,
                                                        c.owner, c.n, c.name, c.priority)))
      prop("CATEGORIES:" .. lib.ics_text(c.channel))
      prop("TRANSP:TRANSPARENT")
      prop("END:VEVENT")
    end
    prop("END:VCALENDAR")
    regie.write("contacts.ics", table.concat(lines))
    regie.info(string.format("%d contact moments in contacts.ics", #contacts))
  end,
}
