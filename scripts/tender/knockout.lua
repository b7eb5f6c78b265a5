-- tender/knockout.lua - step 3: knock-out requirements (eisen).
--
-- For every bid that passed intake, every ko requirement of criteria.csv is
-- checked:
--  * check = max_rate: the rate is rounded half-up to whole euros, then it
--    must be <= [requirements] max_rate.  With rate_rounding = reject a rate
--    that is not whole euros fails instead.
--  * check = documents: exactly cv_count CVs and motivation_count motivation
--    letters ([requirements], default 1 and 1).
--  * no check: the judgement in ko.csv (pass/fail with a note).  A missing
--    judgement stops the run with the list of what is missing.
-- A bid with any failure is excluded and lists every failed requirement.
--
-- Writes `ko_results` (bid_id, req_id, result, label, detail, source) and
-- `admission` (bid_id, admitted, failed, lines, rate_rounded).

local L = require "tender.lib"
local A = require "tender.admit"

local function run(step)
  local cfg = L.load_config()
  local crit = L.criteria(regie.input("criteria"))
  local bids = L.rows("bids")
  local intake = L.index("intake", "bid_id")
  local ko_ds = regie.input("ko")
  local ksrc = L.source(ko_ds, "ko.csv")
  local kfile = L.basename(ksrc)
  -- judged[bid][req] = the row of ko.csv; the records as regie.input
  -- gives them (read only: no second copy)
  local judged = {}
  for _, r in ipairs(ko_ds) do
    judged[r.bid_id] = judged[r.bid_id] or {}
    judged[r.bid_id][r.req_id] = r
  end
  -- what is the same for every bid: the label of each requirement, and
  -- ko.csv's results and notes, worked out once per distinct text
  local label_of = {}
  for _, req in ipairs(crit.ko) do
    label_of[req] = L.requirement_label(req, cfg)
  end
  local passed, note_detail = {}, {}
  local function judgement(j) -- returns pass, detail
    local result, note = L.str(j.result), L.str(j.note)
    if passed[result] == nil then
      passed[result] = L.trim(result):lower() == "pass"
    end
    if note_detail[note] == nil then
      local trimmed = L.trim(note)
      note_detail[note] = trimmed ~= "" and ("toelichting: " .. trimmed) or ""
    end
    return passed[result], note_detail[note]
  end

  local rate_check = A.rate_checker(cfg)
  local results, admission = {}, {}
  local missing = 0
  for _, b in ipairs(bids) do
    local it = intake[b.bid_id]
    local failed, lines = {}, {}
    local rate_rounded = L.round(b.rate_excl_vat_eur, 0)
    if it and it.late then
      failed[1] = "te laat"
      lines[1] = string.format("Uitgesloten: te laat ontvangen (ingediend %s, sluiting %s)",
                               L.datetime_nl(b.submitted_at), L.datetime_nl(cfg.tender.closing))
      results[#results + 1] = { bid_id = b.bid_id, req_id = "intake", result = "fail",
                                label = "tijdig ingediend", detail = lines[1]:gsub("^Uitgesloten: ", ""),
                                source = "intake" }
    else
      for _, req in ipairs(crit.ko) do
        local label = label_of[req]
        local ok, detail, source
        if req.check == "max_rate" then
          ok, detail, rate_rounded = rate_check(b.rate_excl_vat_eur)
          source = "berekend"
        elseif req.check == "documents" then
          ok, detail = A.check_documents(cfg, b)
          source = "berekend"
        else
          local j = judged[b.bid_id] and judged[b.bid_id][req.id]
          source = kfile
          if not j then
            missing = missing + 1
            L.missing(ksrc, "result", string.format("no result (pass or fail) for bid %s, requirement %s",
                                                    b.bid_id, req.id))
            ok, detail = false, "geen oordeel"
          else
            ok, detail = judgement(j)
          end
        end
        results[#results + 1] = { bid_id = b.bid_id, req_id = req.id, result = ok and "pass" or "fail",
                                  label = label, detail = detail, source = source }
        if not ok then
          failed[#failed + 1] = req.id
          lines[#lines + 1] = string.format("Uitgesloten: eis %s (%s) niet gehaald%s", req.id, label,
                                            detail ~= "" and (", " .. detail) or "")
        end
      end
    end
    admission[#admission + 1] = { bid_id = b.bid_id, admitted = #failed == 0, failed = L.list(failed),
                                  lines = L.list(lines), rate_rounded = rate_rounded }
    if #failed > 0 and not (it and it.late) then
      regie.info(string.format("bid %s excluded: %s", b.bid_id, table.concat(failed, ", ")))
    end
  end
  if missing > 0 then
    regie.log(string.format("%d knock-out judgement(s) missing in %s", missing, kfile))
    return
  end
  regie.output("ko_results", results, { "bid_id", "req_id", "result", "label", "detail", "source" })
  regie.output("admission", admission, { "bid_id", "admitted", "failed", "lines", "rate_rounded" })
end

return {
  summary = "Knock-out check: rate cap, documents and the judgements of ko.csv",
  params = {},
  run = run,
}
