-- event/programme.lua - the programme (domain reference §3.1 step 5):
-- sessions by expected attendance (most first, then by id), each to the
-- first (slot, room) pair that works, slot by slot and the smallest room
-- that holds it first; a pair works when the room is free in that slot,
-- holds the expected attendance, and every speaker is free and available
-- in that slot.  Depth-first with backtracking; the first complete
-- programme is the result.  The search is regie.schedule (C): 200 sessions
-- in 40 slots and 20 rooms take milliseconds, and a search that needs more
-- than `limit` placements gives up saying so.
--
-- A pre-flight step: a programme that cannot be made stops the run (exit
-- status 2) before anything is written, naming the session and why, at
-- its line of sessions.csv.

local L = require "event.lib"

return {
  summary = "Schedule the programme: sessions to slots and rooms",
  params = {
    limit = { type = "integer", default = 1000000,
              description = "the most placements tried before the search gives up" },
  },
  run = function(step)
    local sessions = regie.input("sessions")
    local line_of, list = {}, {}
    for i, s in ipairs(sessions) do
      line_of[s.session_id] = sessions.lines[i]
      local speakers = {}
      for name in L.text(s.speakers):gmatch("[^;]+") do
        name = L.trim(name)
        if name ~= "" then
          speakers[#speakers + 1] = name
        end
      end
      list[i] = { id = s.session_id, expected = s.expected, speakers = speakers }
    end
    local rooms = {}
    for i, r in ipairs(regie.input("rooms")) do
      rooms[i] = { id = r.room_id, capacity = r.capacity }
    end
    local slots = {}
    for i, s in ipairs(regie.input("slots")) do
      slots[i] = s.slot_id
    end
    local available
    if regie.has_input("availability") then
      available = {}
      for _, a in ipairs(regie.input("availability")) do
        local t = available[a.speaker] or {}
        available[a.speaker] = t
        t[#t + 1] = a.slot_id
      end
    end
    local result, why = regie.schedule{ sessions = list, rooms = rooms, slots = slots,
                                        available = available, limit = step.params.limit }
    if not result then
      regie.data_error(sessions.source or "sessions.csv", line_of[why.session] or 0, "session_id", why.session,
                       string.format("a session the programme can place (%s cannot be placed: %s)",
                                     why.session, why.reason))
      return
    end
    local out = regie.output_writer("schedule", { "session_id", "slot_id", "room_id" })
    for _, a in ipairs(result) do
      out:add(a.session, a.slot, a.room)
    end
    out:close()
    regie.info(string.format("%d sessions placed in %d slots and %d rooms", #result, #slots, #rooms))
  end,
}
