-- Totals per category, rounded half-up, plus a short Markdown report.
return {
  summary = "total the amounts per category",
  params = {
    decimals = { type = "integer", default = 2, description = "decimals in the totals" },
  },
  run = function(step)
    local costs = regie.input("costs")
    local sums, order = {}, {}
    for i, row in ipairs(costs) do
      if row.amount < 0 then
        regie.data_error(costs.source, costs.lines[i], "amount", tostring(row.amount),
                         "an amount of 0 or more")
      end
      if not sums[row.category] then
        sums[row.category] = 0
        order[#order + 1] = row.category
      end
      sums[row.category] = sums[row.category] + row.amount
    end
    table.sort(order)
    local rows, total = {}, 0
    for _, cat in ipairs(order) do
      local t = regie.round(sums[cat], step.params.decimals)
      rows[#rows + 1] = { category = cat, total = t }
      total = total + sums[cat]
    end
    regie.output("totals", rows, regie.list{ "category", "total" })
    local md = { "# Kosten per categorie", "" }
    for _, r in ipairs(rows) do
      md[#md + 1] = string.format("- %s: € %s", r.category, regie.format(r.total, step.params.decimals, ","))
    end
    md[#md + 1] = ""
    md[#md + 1] = "Totaal: € " .. regie.format(total, step.params.decimals, ",")
    regie.write("report.md", table.concat(md, "\n") .. "\n")
  end,
}
