/* Reads an iCalendar file with libical (the library of Evolution and GNOME Calendar), checks it
 * against RFC 5546's restrictions for its METHOD (icalrestriction_check), and prints every error
 * libical reports (parse errors included) as "COMPONENT: message". Exits 0 only when none. */
#include <stdio.h>
#include <stdlib.h>
#include <libical/ical.h>

static int report(icalcomponent *component) {
    int errors = 0;
    for (icalproperty *p = icalcomponent_get_first_property(component, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(component, ICAL_XLICERROR_PROPERTY)) {
        printf("%s: %s\n", icalcomponent_kind_to_string(icalcomponent_isa(component)),
               icalproperty_get_xlicerror(p));
        errors++;
    }
    for (icalcomponent *c = icalcomponent_get_first_component(component, ICAL_ANY_COMPONENT); c;
         c = icalcomponent_get_next_component(component, ICAL_ANY_COMPONENT))
        errors += report(c);
    return errors;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.ics\n", argv[0]);
        return 2;
    }
    FILE *file = fopen(argv[1], "rb");
    if (!file) {
        perror(argv[1]);
        return 2;
    }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    rewind(file);
    char *text = malloc(size + 1);
    if (!text || fread(text, 1, size, file) != (size_t)size) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }
    text[size] = '\0';
    fclose(file);
    icalcomponent *calendar = icalparser_parse_string(text);
    if (!calendar) {
        printf("VCALENDAR: not parsed\n");
        return 1;
    }
    int valid = icalrestriction_check(calendar);
    int errors = report(calendar);
    icalcomponent_free(calendar);
    free(text);
    return valid && errors == 0 ? 0 : 1;
}
