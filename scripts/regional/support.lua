-- regional/support.lua - the hours of specialist support put in during
-- the quarter (deployments.csv, dated in it), per region, expertise and
-- milestone: support.csv (region,expertise,milestone_id,hours; an empty
-- milestone_id for support not put in for one milestone), sorted, and the
-- data `support` for the report.

local L = require "regional.lib"

return {
  summary = "Hours of specialist support per region, expertise and milestone (support.csv)",
  params = {},
  run = function(step)
    local cfg = L.config()
    local first, last, is_null = cfg.first, cfg.last, L.is_null
    local sums, keys = {}, {}
    for _, region, expertise, date, hours, id in regie.each("deployments", { "region", "expertise", "date",
                                                                            "hours", "milestone_id" }) do
      if date >= first and date <= last then
        id = is_null(id) and "" or id
        local key = region .. "\0" .. expertise .. "\0" .. id
        if not sums[key] then
          sums[key] = 0
          keys[#keys + 1] = { region, expertise, id, key }
        end
        sums[key] = sums[key] + L.hundredths(hours)
      end
    end
    table.sort(keys, function(a, b)
      if a[1] ~= b[1] then
        return a[1] < b[1]
      end
      if a[2] ~= b[2] then
        return a[2] < b[2]
      end
      return a[3] < b[3]
    end)
    local csv = regie.csv.writer("support.csv", { "region", "expertise", "milestone_id", "hours" })
    local out = regie.output_writer("support", { "region", "expertise", "milestone_id", "hours" })
    for _, k in ipairs(keys) do
      local h = L.ratio(sums[k[4]], 100, 2)
      csv:add(k[1], k[2], k[3], h)
      out:add(k[1], k[2], k[3], h)
    end
    csv:close()
    out:close()
    regie.info(string.format("%d rows of support in %s", #keys, cfg.quarter))
  end,
}
