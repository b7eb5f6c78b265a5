-- tender/validate.lua - step 1: check the configuration and the input files
-- against each other before anything is evaluated.
--
-- Every problem is reported with regie.data_error as
--   FILE:LINE: column NAME: found VALUE, expected WHAT
-- (tender.ini errors name the INI file and the key's line), all of them in
-- one run; the run then stops with exit status 2 before any other step.
-- Missing scores are reported here, each at the line of its bid in
-- bids.csv: only admitted bids need scores, and whether a bid is admitted
-- follows from the inputs alone (admit.lua: late, rate cap, documents,
-- ko.csv), so this step applies the same rules as intake and knockout.
-- Other checks that need the outcome of a later rule live with that rule:
-- missing ko.csv results are reported by knockout.lua, price_ceiling
-- against the lowest admitted bid by price.lua.
--
-- A pre-flight step: it also runs when some input could not be read (the
-- engine reports its type errors).  Such an input is absent (nil) here, and
-- every rule that needs it is left out, so the rule errors of the other
-- files still come out in the same run.

local L = require "tender.lib"
local A = require "tender.admit"

local CONSENSUS = L.CONSENSUS

-- The scores missing for the bids admitted to scoring, reported at the
-- line of each bid in bids.csv: one error per bid and award criterion,
-- naming the evaluators whose score is missing.  The evaluators are those
-- of scores.csv (every name but CONSENSUS, in order of first appearance);
-- with a CONSENSUS score for a bid and criterion the individual scores are
-- not needed, and with aggregation = consensus that score is.  Whether a
-- bid is admitted: admit.lua's rules, as intake and knockout apply them;
-- a bid without a ko.csv judgement on a requirement is left out (knockout
-- reports the judgement missing; its scores are asked for once it is
-- judged).  `t` holds what run() gathered.  Returns the number of errors.
local function check_scores(t)
  local count = 0
  local function err(file, line, text)
    count = count + 1
    regie.data_error(file, line, "bid_id", nil, text)
  end
  local cfg, crit = t.cfg, t.crit
  local closing = L.stamp(cfg.tender.closing)
  local rate_check = A.rate_checker(cfg)
  local by_ev = t.seen_sc
  local consensus = by_ev[CONSENSUS] or {}
  local none = {}
  local bsrc = t.bsrc
  local sfile = L.basename(t.ssrc)
  for i, b in ipairs(t.bids_ds) do
    local admitted = not A.late(closing, b.submitted_at)
    local judged = t.judged[b.bid_id] or none
    for _, req in ipairs(crit.ko) do
      if not admitted then
        break
      end
      if req.check == "max_rate" then
        admitted = rate_check(b.rate_excl_vat_eur)
      elseif req.check == "documents" then
        admitted = A.check_documents(cfg, b)
      else
        -- nil: not judged (knockout reports it), false: fail
        admitted = judged[req.id]
      end
    end
    if admitted then
      local line = t.bid_lines[i]
      for _, c in ipairs(crit.award) do
        local cons = (consensus[c.id] or none)[b.bid_id]
        if cfg.scoring.aggregation == "consensus" then
          if not cons then
            err(bsrc, line,
                string.format("bid %s has no CONSENSUS score for criterion %s in %s "
                              .. "(aggregation = consensus)", b.bid_id, c.id, sfile))
          end
        elseif not cons then
          local absent = {}
          for _, ev in ipairs(t.evaluators) do
            if not (by_ev[ev][c.id] or none)[b.bid_id] then
              absent[#absent + 1] = ev
            end
          end
          if #t.evaluators == 0 then
            err(bsrc, line,
                string.format("bid %s has no score for criterion %s in %s", b.bid_id, c.id, sfile))
          elseif #absent > 0 then
            err(bsrc, line,
                string.format("bid %s has no score for criterion %s from evaluator%s %s in %s",
                              b.bid_id, c.id, #absent > 1 and "s" or "",
                              table.concat(absent, ", "), sfile))
          end
        end
      end
    end
  end
  return count
end

local function run(step)
  local nerr = 0
  local errors_in = {} -- file -> the number of errors found in it
  local function err(file, line, column, found, expected)
    nerr = nerr + 1
    errors_in[file] = (errors_in[file] or 0) + 1
    regie.data_error(file, line or 0, column, L.str(found), expected)
  end

  -- ---- tender.ini -------------------------------------------------------------
  -- Each key's type, range, choices and whether it is required are declared
  -- in the workflow (keys.SECTION of [input.tender]) and checked when the
  -- file is read: a file with such an error, or an unknown key or section,
  -- is not given to this step.  What is checked here is what depends on
  -- several keys or on the other files.
  local cfg = L.load_config()
  -- without it (it could not be read), the rules that depend on the
  -- settings are left out: no defaults stand in for what the file says
  local have_cfg = cfg ~= nil
  cfg = cfg or { line = {}, raw = {}, source = "tender.ini" }
  local ini_src = cfg.source
  local function line_of(full)
    return cfg.line[full] or 0
  end

  -- ---- criteria.csv ---------------------------------------------------------------
  local crit_ds = regie.input("criteria")
  local have_crit = crit_ds ~= nil
  local crit = L.criteria(crit_ds)
  local csrc = crit.source
  local award_ids, ko_ids, manual_ko = {}, {}, {}
  for _, r in ipairs(have_crit and L.rows(crit_ds) or {}) do
    local kind = L.trim(L.str(r.kind)):lower()
    local scale = L.trim(L.str(r.scale)):lower()
    local check = L.trim(L.str(r.check)):lower()
    if kind == "award" then
      award_ids[#award_ids + 1] = r.id
      if L.is_null(r.max_points) or r.max_points <= 0 then
        err(csrc, r._line, "max_points", r.max_points, "a number above 0 for an award criterion")
      end
      if scale ~= "" and scale ~= "binary" and scale ~= "graded" then
        err(csrc, r._line, "scale", r.scale, "binary or graded")
      end
      if check ~= "" then
        err(csrc, r._line, "check", r.check, "no check on an award criterion (checks belong to ko rows)")
      end
      if not L.is_null(r.value_eur) and r.value_eur < 0 then
        err(csrc, r._line, "value_eur", r.value_eur, "a euro value of at least 0")
      end
    elseif kind == "ko" then
      ko_ids[#ko_ids + 1] = r.id
      if check == "" then
        manual_ko[#manual_ko + 1] = r.id
      elseif check ~= "max_rate" and check ~= "documents" then
        err(csrc, r._line, "check", r.check, "max_rate, documents or empty (judged in ko.csv)")
      end
      if have_cfg and check == "max_rate" and not cfg.requirements.max_rate then
        err(ini_src, 0, "max_rate", "",
            string.format("a value for max_rate in [requirements] (requirement %s checks the rate)", r.id))
      end
    else
      err(csrc, r._line, "kind", r.kind, "ko or award")
    end
  end
  if have_crit and #award_ids == 0 then
    err(csrc, 0, "kind", "", "at least one award criterion (kind = award)")
  end
  local award_set, manual_set, ko_set = {}, {}, {}
  for _, id in ipairs(award_ids) do award_set[id] = true end
  for _, id in ipairs(manual_ko) do manual_set[id] = true end
  for _, id in ipairs(ko_ids) do ko_set[id] = true end
  local function idlist(t)
    return #t > 0 and table.concat(t, ", ") or "none"
  end

  -- ---- award configuration ---------------------------------------------------------
  local a = have_cfg and cfg.award or {}
  if a.total_points then
    if a.price_method == "none" and #award_ids > 0 then
      local sum = 0
      for _, c in ipairs(crit.award) do
        if not L.is_null(c.max_points) then
          sum = sum + c.max_points
        end
      end
      if L.round(sum, 6) ~= L.round(a.total_points, 6) then
        err(ini_src, line_of("award.total_points"), "total_points", cfg.raw["award.total_points"],
            string.format("%s (the sum of max_points of the award criteria %s in %s)",
                          L.str(L.round(sum, 6)), table.concat(award_ids, ", "), L.basename(csrc)))
      end
    end
    if L.uses_price_points(cfg) and a.price_points then
      if a.price_points <= 0 or a.price_points >= a.total_points then
        err(ini_src, line_of("award.price_points"), "price_points", L.str(a.price_points),
            string.format("more than 0 and less than total_points (%s) with price_method = %s",
                          L.str(a.total_points), a.price_method))
      end
    end
  end
  if a.price_method == "none" and a.price_points and a.price_points > 0 then
    regie.warn(string.format("%s:%d: price_points = %s is ignored with price_method = none",
                             ini_src, line_of("award.price_points"), L.str(a.price_points)))
  end
  if a.price_method == "linear_ceiling" then
    if not a.price_ceiling then
      err(ini_src, line_of("award.price_method"), "price_ceiling", "",
          "a value for price_ceiling in [award] (price_method = linear_ceiling needs it)")
    elseif a.price_floor and a.price_ceiling <= a.price_floor then
      err(ini_src, line_of("award.price_ceiling"), "price_ceiling", cfg.raw["award.price_ceiling"],
          string.format("more than price_floor (%s)", L.str(a.price_floor)))
    end
  end
  if have_crit and a.price_method == "fictitious_discount" and not a.discount_value_per_point then
    local all = #crit.award > 0
    for _, c in ipairs(crit.award) do
      if L.is_null(c.value_eur) then
        all = false
      end
    end
    if not all then
      err(ini_src, line_of("award.price_method"), "discount_value_per_point", "",
          "a euro value per quality point in [award] (or value_eur for every award criterion) "
          .. "with price_method = fictitious_discount")
    end
  end

  -- ---- scale ----------------------------------------------------------------------------
  local scale = have_cfg and cfg.scoring.scale or {}
  local scale_ok = #scale >= 2
  for i, v in ipairs(scale) do
    if v < 0 or v > 100 or (i > 1 and v <= scale[i - 1]) then
      scale_ok = false
    end
  end
  if have_cfg and cfg.scoring.scale and not scale_ok then
    err(ini_src, line_of("scoring.scale"), "scale", cfg.raw["scoring.scale"] or "",
        "at least two increasing levels from 0 to 100")
  end
  local scale_text = {}
  for i, v in ipairs(scale) do scale_text[i] = L.str(v) end
  local on_scale = {}
  for _, v in ipairs(scale) do on_scale[L.str(v)] = true end

  -- ---- ranking ------------------------------------------------------------------------------
  local rk = have_cfg and cfg.ranking or {}
  if rk.lot_mode == "seeded" and (rk.lot_seed == nil or rk.lot_seed == "") then
    err(ini_src, line_of("ranking.lot_seed") > 0 and line_of("ranking.lot_seed") or line_of("ranking.lot_mode"),
        "lot_seed", "", "a seed (lot_mode = seeded needs lot_seed, fixed before the tie is known)")
  end

  -- ---- bids.csv -------------------------------------------------------------------------------
  local bids_ds = regie.input("bids")
  local bsrc = L.source(bids_ds, "bids.csv")
  -- nil: bids.csv could not be read, its ids are not checked against
  local bid_set, bid_ids = bids_ds and {}, {}
  local needs_docs = false
  for _, r in ipairs(crit.ko) do
    if r.check == "documents" then needs_docs = true end
  end
  local doc_columns = { "cv_count", "motivation_count" }
  -- bids.csv is read from the dataset regie.input gives (ds[i] is a
  -- record, ds.lines[i] its line): no second copy of each row.
  local bid_lines = bids_ds and bids_ds.lines
  for i, r in ipairs(bids_ds or {}) do
    bid_set[r.bid_id] = true
    bid_ids[#bid_ids + 1] = r.bid_id
    local rate = r.rate_excl_vat_eur
    if not L.is_null(rate) and rate <= 0 then
      err(bsrc, bid_lines[i], "rate_excl_vat_eur", rate, "a rate above 0")
    end
    if needs_docs then
      for _, col in ipairs(doc_columns) do
        if L.is_null(r[col]) then
          err(bsrc, bid_lines[i], col, "", "a count of documents (a requirement checks the documents)")
        elseif r[col] < 0 then
          err(bsrc, bid_lines[i], col, r[col], "a count of at least 0")
        end
      end
    end
  end
  local bid_expected = "a bid_id of " .. L.basename(bsrc)

  -- tie-break rules
  local rules_ok = true
  for _, rule in ipairs(rk.tiebreak or {}) do
    local kind, arg = rule:match("^(%a+):(.+)$")
    local ok = false
    if rule == "price" or rule == "lot" then
      ok = true
    elseif kind == "criterion" then
      ok = award_set[arg] == true or not have_crit
    elseif kind == "preference" then
      local field, value = arg:match("^([%w_]+)=(.+)$")
      ok = field ~= nil and (not bids_ds or L.has_column(bids_ds, field)) and value ~= nil
    end
    if not ok then
      rules_ok = false
      err(ini_src, line_of("ranking.tiebreak"), "tiebreak", rule,
          string.format("criterion:ID (an award criterion: %s), price, preference:FIELD=VALUE "
                        .. "(FIELD a column of %s) or lot", idlist(award_ids), L.basename(bsrc)))
    end
  end
  for _, id in ipairs(bid_set and rk.lot_result or {}) do
    if not bid_set[id] then
      err(ini_src, line_of("ranking.lot_result"), "lot_result", id, bid_expected)
    end
  end

  -- ---- dates -----------------------------------------------------------------------------------
  local closing = have_cfg and cfg.tender.closing
  local sent = have_cfg and cfg.decision.sent
  if closing and sent and sent < L.date_of(closing) then
    err(ini_src, line_of("decision.sent"), "sent", sent,
        string.format("a date not before closing (%s)", closing))
  end

  -- ---- ko.csv ----------------------------------------------------------------------------------
  -- ko.csv and scores.csv are read a record at a time into one table
  -- (regie.each): no table per row of the largest files
  local ksrc = L.source(regie.describe("ko"), "ko.csv")
  local seen_ko = {}
  local judged = {} -- judged[bid][req] = whether ko.csv says pass
  local result_of = {} -- result as written -> trimmed, lower case (once per distinct text)
  for _, r in regie.each("ko", { "_line", "bid_id", "req_id", "result" }, {}) do
    local line = r._line
    if bid_set and not bid_set[r.bid_id] then
      err(ksrc, line, "bid_id", r.bid_id, bid_expected)
    end
    if have_crit and not manual_set[r.req_id] then
      err(ksrc, line, "req_id", r.req_id,
          string.format("a requirement judged in %s (%s)", L.basename(ksrc), idlist(manual_ko)))
    end
    local result = L.str(r.result)
    local res = result_of[result]
    if res == nil then
      res = L.trim(result):lower()
      result_of[result] = res
    end
    if res ~= "pass" and res ~= "fail" then
      err(ksrc, line, "result", r.result, "pass or fail")
    end
    L.sub(judged, r.bid_id)[r.req_id] = res == "pass"
    local k = L.str(r.bid_id) .. "\0" .. L.str(r.req_id)
    if seen_ko[k] then
      err(ksrc, line, "req_id", r.req_id,
          string.format("one result per bid and requirement (bid %s already has %s on line %d)",
                        r.bid_id, r.req_id, seen_ko[k]))
    else
      seen_ko[k] = line
    end
  end

  -- ---- scores.csv ----------------------------------------------------------------------------------
  local ssrc = L.source(regie.describe("scores"), "scores.csv")
  local seen_sc = {}
  local evaluators = {} -- every evaluator but CONSENSUS, in order of appearance
  local unknown_ids = false -- a score for an unknown bid or criterion
  -- whether a level is on the scale, once per distinct level
  local level_on_scale = L.memo(function(level) return on_scale[L.str(level)] == true end)
  for _, r in regie.each("scores", { "_line", "bid_id", "crit_id", "evaluator", "level" }, {}) do
    local line = r._line
    if bid_set and not bid_set[r.bid_id] then
      err(ssrc, line, "bid_id", r.bid_id, bid_expected)
      unknown_ids = true
    end
    local c = crit.by_id[r.crit_id]
    if not have_crit then
      -- whether the criterion is binary or graded is not known
    elseif not award_set[r.crit_id] then
      unknown_ids = true
      err(ssrc, line, "crit_id", r.crit_id,
          string.format("an award criterion id of %s (%s)", L.basename(csrc), idlist(award_ids)))
    elseif not L.is_null(r.level) then
      if c.scale == "binary" then
        if r.level ~= 0 and r.level ~= 100 then
          err(ssrc, line, "level", r.level,
              string.format("0 or 100 (criterion %s is binary)", r.crit_id))
        end
      elseif scale_ok then
        if not level_on_scale(r.level) then
          err(ssrc, line, "level", r.level,
              string.format("a level on the scale %s", table.concat(scale_text, ", ")))
        end
      end
    end
    local ev = L.evaluator(r.evaluator)
    if ev ~= CONSENSUS and not seen_sc[ev] then
      evaluators[#evaluators + 1] = ev
    end
    -- one score per bid, criterion and evaluator: the lines seen, as
    -- seen_sc[evaluator][criterion][bid] (a few large tables)
    local seen = L.sub(L.sub(seen_sc, ev), r.crit_id)
    if seen[r.bid_id] then
      err(ssrc, line, "evaluator", r.evaluator,
          string.format("one score per evaluator for bid %s, criterion %s (also on line %d)",
                        r.bid_id, r.crit_id, seen[r.bid_id]))
    else
      seen[r.bid_id] = line
    end
  end

  -- ---- missing scores ------------------------------------------------------------------------------
  -- Only when what decides them can be trusted: every input read, and no
  -- error in the files that decide which bids are admitted.  A score for
  -- an unknown bid or criterion was meant for some other cell: the cells
  -- it leaves empty would only repeat that error.
  local kdesc, sdesc = regie.describe("ko"), regie.describe("scores")
  if have_cfg and have_crit and bids_ds and kdesc and sdesc and not unknown_ids
      and not errors_in[ini_src] and not errors_in[csrc] and not errors_in[bsrc]
      and not errors_in[ksrc] then
    nerr = nerr + check_scores({ cfg = cfg, crit = crit, bids_ds = bids_ds, bid_lines = bid_lines,
                                 bsrc = bsrc, ssrc = ssrc, judged = judged, seen_sc = seen_sc,
                                 evaluators = evaluators })
  end

  -- ---- interviews.csv (optional) ----------------------------------------------------------------
  local iv_ds = regie.input("interviews")
  if iv_ds then
    local isrc = L.source(iv_ds, "interviews.csv")
    for _, r in ipairs(L.rows(iv_ds)) do
      if bid_set and not bid_set[r.bid_id] then
        err(isrc, r._line, "bid_id", r.bid_id, bid_expected)
      end
      local o = L.trim(L.str(r.outcome)):lower()
      if o ~= "pass" and o ~= "fail" and o ~= "no_show" then
        err(isrc, r._line, "outcome", r.outcome, "pass, fail or no_show")
      end
      if have_crit and not L.is_null(r.req_id) and L.str(r.req_id) ~= "" and not crit.by_id[r.req_id] then
        err(isrc, r._line, "req_id", r.req_id,
            string.format("a criterion id of %s (%s)", L.basename(csrc), idlist(ko_ids)))
      end
    end
    if have_cfg and not sent then
      err(ini_src, 0, "sent", "",
          "a value for sent in [decision] (the award decision needs its date once interviews are given)")
    end
  end

  -- ---- low_price_decisions.csv (optional) ---------------------------------------------------------
  local lp_ds = regie.input("low_price_decisions")
  if lp_ds then
    local lsrc = L.source(lp_ds, "low_price_decisions.csv")
    for _, r in ipairs(L.rows(lp_ds)) do
      if bid_set and not bid_set[r.bid_id] then
        err(lsrc, r._line, "bid_id", r.bid_id, bid_expected)
      end
      local d = L.trim(L.str(r.decision)):lower()
      if d ~= "accept" and d ~= "reject" then
        err(lsrc, r._line, "decision", r.decision, "accept or reject")
      end
    end
  end

  if nerr > 0 then
    regie.log(string.format("%d input error(s) found; nothing is evaluated", nerr))
    return
  end
  regie.info(string.format("configuration and inputs valid: %d bids, %d award criteria, %d requirements",
                           #bid_ids, #award_ids, #ko_ids))
  regie.output("valid", true)
end

return {
  summary = "Check tender.ini and the input files against each other (§1.3 errors)",
  params = {},
  run = run,
}
