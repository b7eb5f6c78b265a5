-- event/letters.lua - the texts of every letter and reminder (Dutch,
-- Markdown).
--
-- An administrator may reword any text here.  {{name}} is replaced by a
-- value the steps fill in; an unknown name stops the run with the
-- template's name, so a typo is noticed at once.  {{header}} and
-- {{signature}} are the pieces below.
--
-- Values available in every letter:
--   name, reg_id, email, organisation, title, event_id, dates ("woensdag
--   3 april 2024", or every day of an event held on several days), times
--   ("14:30–17:30"), place, organizer, organizer_email, position (the
--   place on the waitlist when registering), deadline ("vrijdag 29 maart
--   2024"), promote_until;
-- in a reminder also: offset (P7D), send_at ("27 maart 2024 14:30").

local T = {}

T.header = [[
**{{organizer}}**

Aan: {{name}} <{{email}}>
Betreft: {{title}}
Uw aanmelding: {{reg_id}}

Beste {{name}},
]]

T.signature = [[
Met vriendelijke groet,

{{organizer}}
{{organizer_email}}
]]

-- a seat when registering
T.bevestiging = [[
# Bevestiging van uw aanmelding

{{header}}
Hartelijk dank voor uw aanmelding voor {{title}}. Uw plaats is bevestigd.

- Datum: {{dates}}
- Tijd: {{times}}
- Locatie: {{place}}

Bij deze brief hoort een uitnodiging voor uw agenda. Kunt u onverhoopt niet komen? Meld u dan af, zodat iemand van de wachtlijst uw plaats kan krijgen.

{{signature}}]]

-- on the waitlist when registering
T.wachtlijst = [[
# U staat op de wachtlijst

{{header}}
Hartelijk dank voor uw aanmelding voor {{title}} op {{dates}}. Alle plaatsen zijn op dit moment bezet. U staat op de wachtlijst, op plaats {{position}}.

Komt er een plaats vrij (uiterlijk {{promote_until}}), dan krijgt u die in volgorde van aanmelding en hoort u dat direct van ons.

{{signature}}]]

-- promoted from the waitlist
T.plaats = [[
# Er is een plaats voor u vrijgekomen

{{header}}
Goed nieuws: er is een plaats vrijgekomen voor {{title}}. U stond op de wachtlijst en uw plaats is nu bevestigd.

- Datum: {{dates}}
- Tijd: {{times}}
- Locatie: {{place}}

Bij deze brief hoort een uitnodiging voor uw agenda. Kunt u niet meer komen? Meld u dan af, zodat de volgende op de wachtlijst uw plaats kan krijgen.

{{signature}}]]

-- NO-GO: the event does not go ahead
T.afgelast = [[
# {{title}} gaat niet door

{{header}}
Helaas moeten wij u laten weten dat {{title}} op {{dates}} niet doorgaat. Bij het sluiten van de aanmelding op {{deadline}} hadden zich te weinig deelnemers aangemeld.

De afspraak in uw agenda wordt met het bijgevoegde bericht geannuleerd. Wij danken u voor uw belangstelling.

{{signature}}]]

-- a reminder, sent at each offset of [reminders] before the start
T.herinnering = [[
Aan: {{name}} <{{email}}>
Betreft: Herinnering: {{title}}

Beste {{name}},

Graag herinneren wij u aan {{title}}.

- Datum: {{dates}}
- Tijd: {{times}}
- Locatie: {{place}}

Tot dan!

{{organizer}}
]]

return T
