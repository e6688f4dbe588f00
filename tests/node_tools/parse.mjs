// Reads an iCalendar file as Thunderbird's parser (ical.js) does and prints its events as JSON:
// each start and end resolved to UTC through the feed's own VTIMEZONE.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const calendar = new ICAL.Component(ICAL.parse(readFileSync(process.argv[2], "utf8")));
for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
}
const utc = (time) => (time.isDate ? time.toString() : time.convertToZone(ICAL.Timezone.utcTimezone).toString());
const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return {
    uid: event.uid,
    summary: event.summary,
    start: utc(event.startDate),
    end: utc(event.endDate),
    allDay: event.startDate.isDate,
    tzid: component.getFirstProperty("dtstart").getParameter("tzid") || null,
    status: component.getFirstPropertyValue("status"),
    sequence: event.sequence,
  };
});
const unknownZones = events.filter((e) => e.tzid && !ICAL.TimezoneService.has(e.tzid)).map((e) => e.tzid);
console.log(JSON.stringify({ name: calendar.getFirstPropertyValue("x-wr-calname"), events, unknownZones }));
