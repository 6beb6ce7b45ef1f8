## Time as people read it (bot/services/local_time.py): in the zone of the region an alert or a
## report is about, labelled with the zone and its UTC offset: "12:30 Yakutsk time, UTC+9".
## $time is "06.12, 21:00–21:45" or "21:00"; $offset is "+9".
time-in-zone = { $time } { $zone }, UTC{ $offset }
# A zone with no name below: the offset alone.
time-at-offset = { $time } UTC{ $offset }

# One name per zone of content/regions.toml (zone-<IANA name in lower case, "/" as "-">).
zone-europe-kaliningrad = Kaliningrad time
zone-europe-moscow = Moscow time
zone-europe-simferopol = Simferopol time
zone-europe-volgograd = Volgograd time
zone-europe-kirov = Kirov time
zone-europe-astrakhan = Astrakhan time
zone-europe-saratov = Saratov time
zone-europe-ulyanovsk = Ulyanovsk time
zone-europe-samara = Samara time
zone-asia-yekaterinburg = Yekaterinburg time
zone-asia-omsk = Omsk time
zone-asia-novosibirsk = Novosibirsk time
zone-asia-barnaul = Barnaul time
zone-asia-tomsk = Tomsk time
zone-asia-novokuznetsk = Novokuznetsk time
zone-asia-krasnoyarsk = Krasnoyarsk time
zone-asia-irkutsk = Irkutsk time
zone-asia-chita = Chita time
zone-asia-yakutsk = Yakutsk time
zone-asia-vladivostok = Vladivostok time
zone-asia-sakhalin = Sakhalin time
zone-asia-magadan = Magadan time
zone-asia-kamchatka = Kamchatka time
zone-asia-anadyr = Anadyr time

## Free text in the other language than the reader's (an announcement, an alert's "Where"): which
## one it is in. There is no translation; $language is ru or en.
text-language = { $language ->
    [ru] (in Russian)
   *[en] (in English)
    }
