-- sla/faq.lua - FAQ candidates (§4.1 step 5): the topics with at least
-- faq_min_questions questions received in the faq_window_days days before
-- the report date (the report date itself not included) that no FAQ
-- published on or before the report date covers (faq.csv, topics compared
-- without regard to case).  faq-candidates.csv: topic,questions,first,last,
-- most questions first, then by topic.

local L = require "sla.lib"
local R = L.rules

return {
  summary = "Topics asked often in the last days that no FAQ covers (faq-candidates.csv)",
  params = {},
  run = function(step)
    local cfg = L.config()
    local report = cfg.report_date
    local from = regie.date.add_days(report, -R.faq_window_days)
    local covered = {}
    for _, topic, published in regie.each("faq", { "topic", "published_at" }) do
      if published <= report then
        covered[topic:lower()] = true
      end
    end
    local stat, topics = {}, {}
    local date_of = L.date_of
    for _, topic, received in regie.each("requests", { "topic", "received_at" }) do
      local d = date_of(received)
      if d >= from and d < report then
        local s = stat[topic]
        if not s then
          s = { n = 0, first = d, last = d }
          stat[topic] = s
          topics[#topics + 1] = topic
        end
        s.n = s.n + 1
        if d < s.first then
          s.first = d
        end
        if d > s.last then
          s.last = d
        end
      end
    end
    local rows = {}
    for _, t in ipairs(topics) do
      local s = stat[t]
      if s.n >= R.faq_min_questions and not covered[t:lower()] then
        rows[#rows + 1] = { topic = t, questions = s.n, first = s.first, last = s.last }
      end
    end
    table.sort(rows, function(a, b)
      if a.questions ~= b.questions then
        return a.questions > b.questions
      end
      return a.topic < b.topic
    end)
    local columns = { "topic", "questions", "first", "last" }
    local csv = regie.csv.writer("faq-candidates.csv", columns)
    local out = regie.output_writer("faq_candidates", columns)
    for _, r in ipairs(rows) do
      csv:add(r.topic, r.questions, r.first, r.last)
      out:add(r.topic, r.questions, r.first, r.last)
    end
    csv:close()
    out:close()
    regie.info(string.format("%d FAQ candidate(s): topics with %d or more questions from %s to before %s",
                             #rows, R.faq_min_questions, from, report))
  end,
}
