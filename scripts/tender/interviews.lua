-- tender/interviews.lua - step 8: interview outcomes (interviews.csv).
--
-- Runs only when the input `interviews` is given (`when = interviews`); a
-- later version may wait here for the outcomes instead.
--
-- Rules:
--  * outcome pass | fail | no_show per invited bid; fail or no_show
--    excludes the bid (the reason, and the requirement req_id if given, go
--    into its letter) and invites the next-ranked bid that was not invited;
--  * the ranking is kept ([interviews] on_late_exclusion = keep_ranking):
--    no points or ranks change, the excluded bid just loses its rank;
--  * the award goes to the best-ranked bid that is not excluded, once it has
--    passed; the other bids that passed become `reserve`, invited bids
--    without an outcome stay `invited`, the rest `not_selected`;
--  * an interview row for a bid that was never invited is an input error;
--  * bids that share a rank (a tie no rule or draw has settled) are never
--    invited or awarded by file order: at a place an exclusion frees, or
--    at the award, the run waits for the draw (lot_mode = external) or the
--    committee's decision, as rank.lua does at its cuts
--    (interview_draw_needed, interview_tie_decision_needed name the bids).
--
-- Writes `interview_result` (bid_id, status, outcome, reason, req_id,
-- invited_after) and `interview_state` (awarded | pending | no_award).

local L = require "tender.lib"

local function run(step)
  local ranking = L.rows("ranking")
  local shortlist = L.index("shortlist", "bid_id")
  local iv_ds = regie.input("interviews")
  local isrc = L.source(iv_ds, "interviews.csv")
  local iv_rows = L.rows(iv_ds)
  local outcome = {}
  for _, r in ipairs(iv_rows) do
    outcome[r.bid_id] = r
  end

  local ranked, row_of = {}, {}
  for _, r in ipairs(ranking) do
    if not L.is_null(r.rank) then ranked[#ranked + 1] = r.bid_id end
    row_of[r.bid_id] = r
  end
  -- A tie still open (a shared rank) at a place an exclusion frees, or at
  -- the award, is not settled by file order: the run waits for the draw or
  -- the committee (§1.2), as for the ties rank.lua finds at its cuts.  Not
  -- while those are open: the shortlist is not final then.
  local at_cut = L.str(regie.input("draw_needed")) ~= "" or L.str(regie.input("tie_decision_needed")) ~= ""
  local needed = { lot_pending = {}, tie = {} }
  local given_too = 0
  local function open_tie(ids, where)
    local open = row_of[ids[1]].open
    local kind = open == "lot_pending" and "lot_pending" or "tie"
    local input = kind == "lot_pending" and "draw" or "tie_decision"
    local ds = regie.input(input)
    if ds then
      -- given already, for another tie: the wait would not hold, so the
      -- file must be given anew with these bids too
      given_too = given_too + 1
      regie.data_error(L.basename(L.source(ds, input .. ".csv")), 0, "bid_id", "",
                       string.format("rows for %s too, tied at %s (give the file anew with their order)",
                                     table.concat(ids, ", "), where))
      return
    end
    local text = string.format("%s at rank %d-%d across %s", table.concat(ids, ", "), row_of[ids[1]].rank,
                               row_of[ids[1]].rank + #ids - 1, where)
    table.insert(needed[kind], text)
    regie.warn(string.format("tie between %s at %s: the run waits for %s", table.concat(ids, ", "), where,
                             kind == "lot_pending" and "the result of the physical draw (input draw)"
                             or "the committee's decision (input tie_decision)"))
  end
  -- the bids of `list` that share the rank of the first of them
  local function sharing(list, keep)
    local first, out = nil, {}
    for _, id in ipairs(list) do
      if keep(id) then
        if not first then first = row_of[id].rank end
        if row_of[id].rank == first then out[#out + 1] = id end
      end
    end
    return out
  end
  local invited, excluded, invited_after = {}, {}, {}
  for _, id in ipairs(ranked) do
    if shortlist[id] and shortlist[id].status == "invited" then invited[id] = true end
  end
  local function result_of(id)
    local o = outcome[id]
    return o and L.trim(L.str(o.outcome)):lower() or nil
  end
  local held, holding = {}, false
  local changed = true
  while changed do
    changed = false
    for _, id in ipairs(ranked) do
      local res = result_of(id)
      if invited[id] and not excluded[id] and (res == "fail" or res == "no_show") then
        excluded[id] = true
        changed = true
        local next_ids = holding and {} or sharing(ranked, function(b) return not invited[b] end)
        if #next_ids == 1 or (#next_ids > 1 and at_cut) then
          local nxt = next_ids[1]
          invited[nxt] = true
          invited_after[nxt] = id
          regie.info(string.format("bid %s excluded after interview (%s): bid %s invited next", id, res, nxt))
        elseif #next_ids > 1 then
          -- no one invited until the tie is settled; a later exclusion
          -- waits for the same
          open_tie(next_ids, "the place freed by the exclusion of bid " .. id)
          for _, b in ipairs(next_ids) do held[b] = true end
          holding = true
        end
      end
    end
  end

  -- rows for bids that were never invited
  local bad = 0
  local invited_list = {}
  for _, id in ipairs(ranked) do
    if invited[id] then invited_list[#invited_list + 1] = id end
  end
  for _, r in ipairs(iv_rows) do
    if not invited[r.bid_id] then
      bad = bad + 1
      regie.data_error(isrc, r._line, "bid_id", r.bid_id,
                       string.format("a bid invited to an interview (%s)", table.concat(invited_list, ", ")))
    end
  end
  if bad > 0 then
    return
  end

  -- the award: never to one of bids that share the best remaining rank
  local winner, state = nil, "no_award"
  local best = sharing(ranked, function(b) return not excluded[b] end)
  if #best > 1 and not at_cut and not held[best[1]] then
    open_tie(best, "the award (first place)")
  end
  if given_too > 0 then
    return
  end
  for _, id in ipairs(ranked) do
    if not excluded[id] then
      if #best > 1 then
        state = "pending"
      elseif result_of(id) == "pass" then
        winner, state = id, "awarded"
      else
        state = "pending"
      end
      break
    end
  end

  local out = {}
  for _, r in ipairs(ranking) do
    local id = r.bid_id
    local o = outcome[id]
    local res = result_of(id)
    local status
    if L.is_null(r.rank) then
      status = "excluded"
    elseif excluded[id] then
      status = "excluded"
    elseif held[id] then
      status = "pending" -- the run waits for the draw or the committee
    elseif id == winner then
      status = "awarded"
    elseif invited[id] then
      status = (state == "awarded" and res == "pass") and "reserve" or "invited"
    else
      status = "not_selected"
    end
    out[#out + 1] = { bid_id = id, status = status, outcome = res or "",
                      reason = o and L.str(o.reason) or "", req_id = o and L.str(o.req_id) or "",
                      invited_after = invited_after[id] or "" }
  end
  regie.info(state == "awarded" and ("intended award: bid " .. winner)
             or state == "pending" and (#best > 1 and "award pending: the best-ranked remaining bids are tied"
                                        or "award pending: the best-ranked remaining bid has no interview outcome yet")
             or "no award: every invited bid was excluded and no ranked bid is left")
  regie.output("interview_result", out, { "bid_id", "status", "outcome", "reason", "req_id", "invited_after" })
  regie.output("interview_state", state)
  regie.output("interview_draw_needed", table.concat(needed.lot_pending, "; "))
  regie.output("interview_tie_decision_needed", table.concat(needed.tie, "; "))
end

return {
  summary = "Interview outcomes: exclusions, next-ranked invitations, the winner",
  params = {},
  run = run,
}
