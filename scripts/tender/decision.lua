-- tender/decision.lua - step 9: the outcome per bid and the decision dates.
--
-- Rules:
--  * status per bid: from the interviews when they are given, otherwise from
--    the shortlist (invited / not_selected / excluded);
--  * reason of an exclusion: every failed requirement id (";"-separated),
--    "te laat" for a late bid, "abnormally_low" for a rejected abnormally
--    low price, the requirement named by the interview (or "interview" /
--    "no_show");
--  * standstill (Alcatel period, art. 2.127): ends on sent + standstill_days
--    (day 1 is the day after sending); with extend_to_workday = yes an end
--    on a Saturday, Sunday or Atw holiday moves to the next working day of
--    the Atw calendar; the contract may be signed from end + 1;
--  * which letter each bidder gets (letters.lua holds the texts).
--
-- Writes `outcome` (bid_id, rank, status, reason, stage, letter),
-- `dates` (name, date, label) and `award_state`.

local L = require "tender.lib"

local function run(step)
  local cfg = L.load_config()
  local ranking = L.rows("ranking")
  local shortlist = L.index("shortlist", "bid_id")
  local admission = L.index("admission", "bid_id")
  local prices = L.index("prices", "bid_id")
  local iv = regie.input("interview_result")
  local ivr = iv and L.index(iv, "bid_id") or nil
  local iv_state = regie.input("interview_state")

  local ranked = 0
  for _, r in ipairs(ranking) do
    if not L.is_null(r.rank) then ranked = ranked + 1 end
  end
  local state
  if ranked == 0 then
    state = "no_award_possible"
  elseif ivr then
    state = L.str(iv_state)
  else
    state = "shortlist"
  end

  local out = {}
  for _, r in ipairs(ranking) do
    local id = r.bid_id
    local status = ivr and ivr[id].status or shortlist[id].status
    local reason, stage = "", ""
    local ad = admission[id]
    local p = prices[id]
    local rank = r.rank
    if not ad.admitted then
      local failed = L.items(ad.failed)
      reason = table.concat(failed, ";")
      stage = failed[1] == "te laat" and "late" or "ko"
    elseif p and not p.priced then
      reason, stage = "abnormally_low", "low_price"
    elseif ivr and status == "excluded" then
      local x = ivr[id]
      reason = x.req_id ~= "" and x.req_id or (x.outcome == "no_show" and "no_show" or "interview")
      stage = "interview"
      rank = nil -- keep_ranking: the others keep their ranks, this bid loses its own
    end
    local letter
    if state == "awarded" then
      if status == "awarded" then
        letter = "award"
      elseif status == "excluded" then
        letter = stage == "interview" and "exclusion_interview" or "exclusion"
      elseif status == "invited" then
        letter = "invitation"
      else
        letter = "award_other"
      end
    else
      if status == "invited" then
        letter = (ivr and ivr[id].outcome == "pass") and "pending" or "invitation"
      elseif status == "not_selected" then
        letter = "not_selected"
      else
        letter = stage == "interview" and "exclusion_interview" or "exclusion"
      end
    end
    out[#out + 1] = { bid_id = id, rank = rank, status = status, reason = reason, stage = stage,
                      letter = letter }
  end

  -- dates
  local dates = {}
  local function add(name, date, label)
    dates[#dates + 1] = { name = name, date = date, label = label }
  end
  add("closing", cfg.tender.closing, "Sluiting inschrijving")
  local notice = regie.input("notice_date")
  add("not_selected_by", notice, string.format("Niet uitgenodigd op of voor deze datum = niet geselecteerd (%d werkdagen na sluiting)",
                                              cfg.interviews.notice_workdays))
  local sent = cfg.decision.sent
  if sent then
    local days = cfg.decision.standstill_days
    local day_n = regie.date.add_days(sent, days)
    local stop = day_n
    local atw = L.atw_calendar(cfg)
    if cfg.decision.extend_to_workday and not regie.date.is_workday(day_n, atw) then
      stop = regie.date.next_workday(day_n, atw)
    end
    add("decision_sent", sent, "Verzending gunningsbeslissing")
    add("standstill_day_" .. days, day_n, string.format("Dag %d van de opschortende termijn", days))
    add("standstill_end", stop, "Einde opschortende termijn" .. (stop ~= day_n and
        " (verschoven naar de eerstvolgende werkdag, Algemene termijnenwet)" or ""))
    add("sign_from", regie.date.add_days(stop, 1), "Ondertekening overeenkomst vanaf (tenzij kort geding)")
    regie.info(string.format("standstill: sent %s, ends %s, sign from %s", sent, stop, regie.date.add_days(stop, 1)))
  end
  regie.output("outcome", out, { "bid_id", "rank", "status", "reason", "stage", "letter" })
  regie.output("dates", dates, { "name", "date", "label" })
  regie.output("award_state", state)
end

return {
  summary = "Outcome per bid, letters to send and the standstill dates",
  params = {},
  run = run,
}
