-- tender/shortlist.lua - step 7: who is invited to an interview.
--
-- Rules:
--  * the best [interviews] invite_top_n ranked bids (default 3) are invited,
--    never more: bids sharing a rank across the last place (a tie awaiting
--    the draw or the committee's decision, rank.lua) are `pending`, and
--    the run waits for that decision before any letter is written;
--  * fewer admitted bids than invite_top_n: all are invited, with a warning;
--  * the others get a "not selected" letter that names the date
--    add_workdays(closing, notice_workdays) (default 4 working days, in the
--    working-day calendar of [calendar]);
--  * no admitted bid at all: no award is possible.
--
-- Writes `shortlist` (bid_id, status = invited | not_selected | excluded |
-- pending),
-- `notice_date` (YYYY-MM-DD) and `shortlist_notes`.

local L = require "tender.lib"

local function run(step)
  local cfg = L.load_config()
  local ranking = L.rows("ranking")
  local n = cfg.interviews.invite_top_n
  local notes = {}

  local ranked = 0
  for _, r in ipairs(ranking) do
    if not L.is_null(r.rank) then ranked = ranked + 1 end
  end
  -- bids per rank: only a tie still open shares one
  local at_rank = {}
  for _, r in ipairs(ranking) do
    if not L.is_null(r.rank) then at_rank[r.rank] = (at_rank[r.rank] or 0) + 1 end
  end
  local out, invited = {}, 0
  for _, r in ipairs(ranking) do
    local status
    if L.is_null(r.rank) then
      status = "excluded"
    elseif r.rank <= n and r.rank + at_rank[r.rank] - 1 > n then
      -- a shared rank across the last place: the draw or the committee
      -- decides (the run waits before the decision); never more
      -- invitations than places
      status = "pending"
    elseif r.rank <= n then
      status = "invited"
      invited = invited + 1
    else
      status = "not_selected"
    end
    out[#out + 1] = { bid_id = r.bid_id, status = status }
  end
  if ranked == 0 then
    regie.warn("no bid is admitted: no award is possible; advice: issue the request again")
    notes[#notes + 1] = "Geen enkele inschrijving is toegelaten: gunning is niet mogelijk. Advies: zet de uitvraag opnieuw uit."
  elseif ranked < n then
    regie.warn(string.format("only %d admitted bid(s), fewer than invite_top_n = %d: all are invited", ranked, n))
    notes[#notes + 1] = string.format("Er zijn minder toegelaten inschrijvingen (%d) dan het aantal uit te nodigen kandidaten (%d): alle toegelaten inschrijvingen worden uitgenodigd.", ranked, n)
  elseif invited > n then
    regie.warn(string.format("%d bids invited instead of %d: bids share a rank at the boundary", invited, n))
    notes[#notes + 1] = string.format("Er worden %d in plaats van %d kandidaten uitgenodigd, omdat inschrijvingen op de grens gelijk eindigen.", invited, n)
  end

  local closing_day = L.date_of(cfg.tender.closing)
  local notice = regie.date.add_workdays(closing_day, cfg.interviews.notice_workdays, L.calendar(cfg))
  regie.info(string.format("%d invited; not selected unless invited by %s", invited, notice))
  regie.output("shortlist", out, { "bid_id", "status" })
  regie.output("notice_date", notice)
  regie.output("shortlist_notes", L.list(notes))
end

return {
  summary = "Shortlist: invite the best invite_top_n, notice date for the others",
  params = {},
  run = run,
}
