-- calendar.lua - the contact moments as an iCalendar file (RFC 5545,
-- written with common/ics.lua: CRLF line ends, lines folded at 75 octets,
-- never inside a UTF-8 character), METHOD:PUBLISH, all-day events, stable UIDs
-- <analysis-id>-<stakeholder-id>-<n>@<domain>, DTSTAMP in UTC taken from
-- SOURCE_DATE_EPOCH when set, else the plan start at 00:00 UTC, so the file
-- is the same for the same input.

local lib = require "stakeholders.lib"
local R = lib.rules
local CP = require "stakeholders.contact_plan"
local ics = require "common.ics"

local function stamp(cfg, epoch)
  return ics.dtstamp(epoch, ics.date(cfg.start) .. "T000000Z")
end

local KIND_NL = { regular = "contactmoment", address_concerns = "extra gesprek: zorgen wegnemen" }

-- The texts of an event.
local SUMMARY = "%s: %s (%s)"
local DESCRIPTION = "Doel: %s\nBoodschap: %s\nKanaal: %s (%s)\nEigenaar: %s\nContact %d voor %s (prioriteit %d)."

-- Escaping (ics.text) a text made from a template is the same as
-- filling the escaped template with the escaped values, which recur from
-- event to event and are escaped once.  Not quite when a value holds a
-- carriage return (CR LF across its end counts as one line break): then
-- (false here) the whole text is escaped.
local escaped = {}
local function esc(v)
  if type(v) ~= "string" then
    return false
  end
  local e = escaped[v]
  if e == nil then
    e = not v:find("\r", 1, true) and ics.text(v)
    escaped[v] = e
  end
  return e
end
local SUMMARY_ESC, DESCRIPTION_ESC = ics.text(SUMMARY), ics.text(DESCRIPTION)

return {
  summary = "Write the contact moments as contacts.ics",
  params = {
    source_date_epoch = { type = "string", default = "",
                          description = "seconds since 1970 for DTSTAMP (reproducible builds); empty: the plan start" },
  },
  run = function(step)
    local cfg = lib.config()
    local dtstamp = stamp(cfg, step.params.source_date_epoch)
    local ds = regie.input("contacts")
    local contacts = table.move(ds, 1, #ds, 1, {})
    table.sort(contacts, function(a, b)
      if a.priority ~= b.priority then
        return a.priority < b.priority
      end
      return a.n < b.n
    end)
    local lines = {}
    local function prop(s)
      lines[#lines + 1] = ics.line(s)
    end
    prop("BEGIN:VCALENDAR")
    prop("VERSION:2.0")
    prop("PRODID:-//regie//stakeholder-analysis//NL")
    prop("CALSCALE:GREGORIAN")
    prop("METHOD:PUBLISH")
    prop("X-WR-CALNAME:" .. ics.text("Contactmomenten " .. cfg.title))
    -- the lines that depend on the date or the channel only, made once
    local dates, categories = {}, {}
    for _, c in ipairs(contacts) do
      local when = dates[c.date]
      if not when then
        local day = lib.day(c.date)
        when = ics.line("DTSTART;VALUE=DATE:" .. ics.date(c.date))
          .. ics.line("DTEND;VALUE=DATE:" .. ics.date(lib.iso(day + 1)))
        dates[c.date] = when
      end
      local category = categories[c.channel]
      if not category then
        category = ics.line("CATEGORIES:" .. ics.text(c.channel))
        categories[c.channel] = category
      end
      prop("BEGIN:VEVENT")
      prop(string.format("UID:%s-%s-%d@%s", cfg.id, c.id, c.n, cfg.domain))
      prop("DTSTAMP:" .. dtstamp)
      lines[#lines + 1] = when
      local kind = KIND_NL[c.kind] or c.kind
      local name, channel, kind_e = esc(c.name), esc(c.channel), esc(kind)
      if name and channel and kind_e then
        prop("SUMMARY:" .. string.format(SUMMARY_ESC, name, channel, kind_e))
      else
        prop("SUMMARY:" .. ics.text(string.format(SUMMARY, c.name, c.channel, kind)))
      end
      -- an empty message or owner as the reports show it
      local c_message, c_owner = CP.shown(c.message), CP.shown(c.owner)
      local goal, message, mode, owner = esc(c.goal), esc(c_message), esc(c.mode), esc(c_owner)
      if name and channel and goal and message and mode and owner then
        prop("DESCRIPTION:" .. string.format(DESCRIPTION_ESC, goal, message, channel, mode, owner,
                                             c.n, name, c.priority))
      else
        prop("DESCRIPTION:" .. ics.text(string.format(DESCRIPTION, c.goal, c_message, c.channel,
                                                      c.mode, c_owner, c.n, c.name, c.priority)))
      end
      lines[#lines + 1] = category
      prop("TRANSP:TRANSPARENT")
      prop("END:VEVENT")
    end
    prop("END:VCALENDAR")
    regie.write("contacts.ics", table.concat(lines))
    regie.info(string.format("%d contact moments in contacts.ics", #contacts))
  end,
}
