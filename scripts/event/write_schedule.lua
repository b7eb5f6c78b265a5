-- event/write_schedule.lua - the programme found by the programme step as
-- schedule.csv: session_id,slot_id,room_id (domain reference §6), then the
-- session's title, speakers and expected attendance and the slot's times;
-- in the order of slots.csv, then of rooms.csv.

local L = require "event.lib"

return {
  summary = "schedule.csv",
  params = {},
  run = function(step)
    local slot_at, room_at, slot_by, session_by = {}, {}, {}, {}
    for i, s in ipairs(regie.input("slots")) do
      slot_at[s.slot_id], slot_by[s.slot_id] = i, s
    end
    for i, r in ipairs(regie.input("rooms")) do
      room_at[r.room_id] = i
    end
    for _, s in ipairs(regie.input("sessions")) do
      session_by[s.session_id] = s
    end
    local rows = {}
    for _, a in ipairs(regie.input("schedule")) do
      rows[#rows + 1] = a
    end
    table.sort(rows, function(a, b)
      if a.slot_id ~= b.slot_id then
        return slot_at[a.slot_id] < slot_at[b.slot_id]
      end
      return room_at[a.room_id] < room_at[b.room_id]
    end)
    local w = regie.csv.writer("schedule.csv", { "session_id", "slot_id", "room_id", "title", "speakers",
                                                 "expected", "start", "end" })
    for _, a in ipairs(rows) do
      local s, slot = session_by[a.session_id], slot_by[a.slot_id]
      w:add(a.session_id, a.slot_id, a.room_id, s.title, L.text(s.speakers), s.expected,
            L.stamp(slot.start), L.stamp(slot["end"]))
    end
    w:close()
  end,
}
