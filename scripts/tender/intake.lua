-- tender/intake.lua - step 2: intake of bids.csv.
--
-- Rules:
--  * a bid received after [tender] closing is excluded with the reason
--    "te laat" (too late);
--  * the same candidate offered by more than one supplier is flagged for the
--    buyer to decide (the bids stay in the evaluation).
--
-- Writes `intake`: bid_id, late, submitted_at, duplicate_with (list of the
-- other bid ids offering the same candidate); `intake_notes`: a list of
-- warnings for the report.

local L = require "tender.lib"
local A = require "tender.admit"

-- How two candidate names are compared: case, accents of common letters,
-- punctuation and spacing do not matter.  Every accented letter of FOLD is
-- a two-byte UTF-8 sequence, so one pass over all two-byte sequences
-- replaces them all (a sequence not in FOLD stays as it is).
local FOLD = { ["á"] = "a", ["à"] = "a", ["ä"] = "a", ["â"] = "a", ["é"] = "e", ["è"] = "e",
               ["ë"] = "e", ["ê"] = "e", ["í"] = "i", ["ï"] = "i", ["ó"] = "o", ["ö"] = "o",
               ["ô"] = "o", ["ú"] = "u", ["ü"] = "u", ["ç"] = "c", ["ñ"] = "n" }
local TWO_BYTE_UTF8 = "[\xC2-\xDF][\x80-\xBF]"

local function candidate_key(name)
  local s = L.str(name):lower():gsub(TWO_BYTE_UTF8, FOLD)
  s = s:gsub("[%p%s]+", " ")
  return L.trim(s)
end

local function run(step)
  local cfg = L.load_config()
  local closing = L.stamp(cfg.tender.closing)
  local bids = L.rows("bids")
  local notes = {}

  -- the bids of each candidate, in file order (the key once per bid)
  local key_of, by_candidate = {}, {}
  for i, b in ipairs(bids) do
    local k = candidate_key(b.candidate)
    key_of[i] = k
    if k ~= "" then
      by_candidate[k] = by_candidate[k] or {}
      table.insert(by_candidate[k], b.bid_id)
    end
  end

  local out = {}
  for i, b in ipairs(bids) do
    local late = A.late(closing, b.submitted_at)
    local group = by_candidate[key_of[i]] or {}
    local others = {}
    for _, id in ipairs(group) do
      if id ~= b.bid_id then
        others[#others + 1] = id
      end
    end
    if late then
      notes[#notes + 1] = string.format("Inschrijving %s is te laat ontvangen (%s, sluiting %s) en is uitgesloten.",
                                        b.bid_id, L.str(b.submitted_at), cfg.tender.closing)
      regie.warn(string.format("bid %s arrived after closing (%s > %s): excluded (te laat)",
                               b.bid_id, L.str(b.submitted_at), cfg.tender.closing))
    end
    if #others > 0 and group[1] == b.bid_id then
      notes[#notes + 1] = string.format(
        "Kandidaat %s wordt door meer dan één inschrijver aangeboden (inschrijvingen %s); "
        .. "de opdrachtgever beslist.", L.str(b.candidate), table.concat(group, ", "))
      regie.warn(string.format("candidate \"%s\" is offered in bids %s: flagged for the buyer",
                               L.str(b.candidate), table.concat(group, ", ")))
    end
    out[#out + 1] = { bid_id = b.bid_id, late = late, submitted_at = L.str(b.submitted_at),
                      duplicate_with = L.list(others) }
  end
  regie.output("intake", out, { "bid_id", "late", "submitted_at", "duplicate_with" })
  regie.output("intake_notes", L.list(notes))
end

return {
  summary = "Intake: late bids (te laat) and candidates offered twice",
  params = {},
  run = run,
}
