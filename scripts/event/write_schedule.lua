-- event/write_schedule.lua - the programme found by the programme step as
-- schedule.csv: session_id,slot_id,room_id (domain reference §6), then the
-- session's title, speakers and expected attendance and the slot's times;
-- in the order of slots.csv, then of rooms.csv.

local L = require "event.lib"

return {
  summary = "schedule.csv",
  params = {},
  run = function(step)
    local w = regie.csv.writer("schedule.csv", { "session_id", "slot_id", "room_id", "title", "speakers",
                                                 "expected", "start", "end" })
    for _, a in ipairs(L.programme()) do
      local s, slot = a.session, a.slot
      w:add(a.session_id, a.slot_id, a.room_id, s.title, L.text(s.speakers), s.expected,
            L.stamp(slot.start), L.stamp(slot["end"]))
    end
    w:close()
  end,
}
