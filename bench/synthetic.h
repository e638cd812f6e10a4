// Synthetic but realistic records for the benchmarks: organisations spread
// over countries (Belgium the most common), incidents with victims from the
// same country, dates from 2015 to 2026 at year, month and day precision,
// incident types, motives, ATT&CK techniques, threat actors, impacts, and
// timeline events and sources.
//
// Everything is a pure function of (seed, index), so a run is reproducible
// and a benchmark can name record i without asking the server.
#ifndef ATLAS_BENCH_SYNTHETIC_H_
#define ATLAS_BENCH_SYNTHETIC_H_

#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "atlas/catalog/v1/catalog_service.pb.h"
#include "atlas/incident/v1/incident_service.pb.h"

namespace atlas::bench {

inline std::string OrgId(int64_t i) { return absl::StrFormat("org-%07d", i); }
inline std::string IncidentId(int64_t i) {
  return absl::StrFormat("inc-%08d", i);
}

class Synthetic {
 public:
  // `orgs` organisations; techniques from the ATT&CK table at
  // `techniques_tsv` (active ids only) when it can be read, else a fixed
  // list of real ids.
  Synthetic(int64_t orgs, const std::string& techniques_tsv) : orgs_(orgs) {
    std::ifstream in(techniques_tsv);
    std::string line;
    bool header = true;
    while (std::getline(in, line)) {
      if (header) {
        header = false;
        continue;
      }
      std::vector<std::string> cols = absl::StrSplit(line, '\t');
      // id name tactics is_subtechnique deprecated revoked revoked_by
      if (cols.size() >= 6 && cols[4] == "false" && cols[5] == "false") {
        techniques_.push_back(cols[0]);
      }
    }
    if (techniques_.empty()) {
      techniques_ = {"T1486", "T1566.001", "T1190", "T1078",
                     "T1133", "T1059.001", "T1490", "T1567.002",
                     "T1498", "T1491.002"};
    }
  }

  int64_t orgs() const { return orgs_; }

  // Organisation i: its country is fixed by i, so incidents can pick
  // victims of a given country.
  catalog::v1::Organization Organization(int64_t i) const {
    std::mt19937_64 rng(Seed(1, i));
    catalog::v1::Organization org;
    const Country& c = CountryOfOrg(i);
    static const char* kKinds[] = {"Party",    "Ministry",   "Parliament",
                                   "Hospital", "University", "Times",
                                   "Bank",     "Foundation", "City Council"};
    static const catalog::v1::OrganizationType kTypes[] = {
        catalog::v1::POLITICAL_PARTY,
        catalog::v1::GOVERNMENT_BODY,
        catalog::v1::LEGISLATURE,
        catalog::v1::HEALTHCARE_PROVIDER,
        catalog::v1::EDUCATIONAL_INSTITUTION,
        catalog::v1::MEDIA_OUTLET,
        catalog::v1::COMPANY,
        catalog::v1::NON_GOVERNMENTAL_ORGANIZATION,
        catalog::v1::GOVERNMENT_BODY};
    static const char* kSectors[] = {
        "non-profit",         "government-national", "government-national",
        "healthcare",         "education",           "communications",
        "financial-services", "non-profit",          "government-local"};
    const int k = static_cast<int>(rng() % 9);
    org.set_display_name(absl::StrCat(c.city, " ", kKinds[k], " ", i));
    org.add_aliases(absl::StrCat(kKinds[k], " ", c.code, " ", i));
    org.set_primary_url(absl::StrCat("https://www.org-", i, ".", c.tld, "/"));
    org.set_country(c.code);
    org.set_locality(c.city);
    org.add_sectors(kSectors[k]);
    org.set_organization_type(kTypes[k]);
    org.set_non_profit(k == 0 || k == 7);
    org.set_profile(absl::StrCat(
        "A ", kKinds[k], " based in ", c.city,
        ". Synthetic profile generated for benchmarks; it stands for the "
        "kind of organisation the atlas records."));
    return org;
  }

  // Incident i (victims among the first `orgs` organisations).
  incident::v1::Incident Incident(int64_t i) const {
    std::mt19937_64 rng(Seed(2, i));
    incident::v1::Incident inc;
    // Victim: an organisation; the incident's country is the victim's.
    const int64_t victim = static_cast<int64_t>(rng() % orgs_);
    const Country& c = CountryOfOrg(victim);
    auto* v = inc.add_victims();
    v->set_organization(absl::StrCat("organizations/", OrgId(victim)));
    v->set_role(incident::v1::Victim::PRIMARY);
    if (rng() % 5 == 0 && orgs_ > 1) {
      int64_t other =
          (victim + 1 + static_cast<int64_t>(rng() % (orgs_ - 1))) % orgs_;
      auto* v2 = inc.add_victims();
      v2->set_organization(absl::StrCat("organizations/", OrgId(other)));
      v2->set_role(incident::v1::Victim::SECONDARY);
    }
    inc.add_countries(c.code);
    static const char* kWhat[] = {"Ransomware attack on", "Data breach at",
                                  "Website defacement of", "DDoS against",
                                  "Mailbox compromise at"};
    static const incident::v1::IncidentType kType[] = {
        incident::v1::RANSOMWARE, incident::v1::DATA_BREACH,
        incident::v1::DEFACEMENT, incident::v1::DDOS,
        incident::v1::ACCOUNT_COMPROMISE};
    const int w = static_cast<int>(rng() % 5);
    inc.set_title(
        absl::StrCat(kWhat[w], " ", OrgId(victim), " (", c.city, ")"));
    inc.add_incident_types(kType[w]);
    if (w == 0) inc.add_incident_types(incident::v1::DATA_BREACH);
    // Start 2015-01..2026-02, precision mixed: 20% year, 30% month, 50% day.
    const int year = 2015 + static_cast<int>(rng() % 11);  // 2015..2025
    const int month = 1 + static_cast<int>(rng() % 12);
    const int day = 1 + static_cast<int>(rng() % 28);
    const int precision = static_cast<int>(rng() % 10);
    auto* start = inc.mutable_start_date();
    start->set_year(year);
    if (precision >= 2) start->set_month(month);
    if (precision >= 5) start->set_day(day);
    auto* disclosed = inc.mutable_disclosed_date();
    disclosed->set_year(month == 12 ? year + 1 : year);
    disclosed->set_month(month == 12 ? 1 : month + 1);
    inc.set_summary(absl::StrCat(
        kWhat[w], " ", OrgId(victim), ", a ", c.city,
        " organisation. Systems were taken offline while external responders "
        "investigated; the victim reported the incident to the police and "
        "to the data protection authority."));
    inc.set_determination(
        static_cast<incident::v1::Determination>(1 + rng() % 4));
    auto* cia = inc.mutable_cia_posture();
    cia->mutable_confidentiality()->set_level(
        static_cast<incident::v1::ImpactLevel>(1 + rng() % 4));
    cia->mutable_availability()->set_level(
        static_cast<incident::v1::ImpactLevel>(1 + rng() % 4));
    cia->mutable_availability()->set_note("website offline for several days");
    inc.add_motives(w == 0 ? incident::v1::FINANCIAL
                           : static_cast<incident::v1::Motive>(1 + rng() % 5));
    const int ntech = 1 + static_cast<int>(rng() % 4);
    for (int t = 0; t < ntech; ++t) {
      const std::string& id = techniques_[rng() % techniques_.size()];
      bool dup = false;
      for (const auto& have : inc.techniques()) dup |= have.id() == id;
      if (!dup) inc.add_techniques()->set_id(id);
    }
    static const char* kActors[] = {"LockBit", "NoName057(16)", "APT28",
                                    "Akira", ""};
    auto* actor = inc.add_threat_actors();
    const int a = static_cast<int>(rng() % 5);
    actor->set_name(kActors[a]);
    actor->set_type(a == 1   ? incident::v1::HACKTIVIST
                    : a == 2 ? incident::v1::NATION_STATE
                             : incident::v1::CRIMINAL);
    if (w == 0) {
      inc.add_impacts()->set_type(incident::v1::Impact::RANSOM_DEMANDED);
      inc.add_impacts()->set_type(incident::v1::Impact::RANSOM_REFUSED);
    } else {
      inc.add_impacts()->set_type(incident::v1::Impact::SERVICE_OUTAGE);
    }
    return inc;
  }

  // Number of timeline events (2..6) and sources (1..3) of incident i.
  int EventCount(int64_t i) const {
    return 2 + static_cast<int>(Seed(3, i) % 5);
  }
  int SourceCount(int64_t i) const {
    return 1 + static_cast<int>(Seed(4, i) % 3);
  }

  // Event e of incident i (dated from the incident's start).
  incident::v1::TimelineEvent Event(int64_t i, int e) const {
    std::mt19937_64 rng(Seed(5, i * 16 + e));
    incident::v1::Incident inc = Incident(i);
    static const incident::v1::EventType kTypes[] = {
        incident::v1::DETECTION,
        incident::v1::SERVICE_OUTAGE,
        incident::v1::REPORTED_TO_POLICE,
        incident::v1::REPORTED_TO_DATA_PROTECTION_AUTHORITY,
        incident::v1::EXTERNAL_RESPONDERS_ENGAGED,
        incident::v1::PUBLIC_DISCLOSURE};
    incident::v1::TimelineEvent ev;
    ev.set_type(kTypes[e % 6]);
    auto* d = ev.mutable_date();
    d->set_year(inc.start_date().year());
    d->set_month(inc.start_date().month() ? inc.start_date().month()
                                          : 1 + static_cast<int>(rng() % 12));
    d->set_day(1 + static_cast<int>(rng() % 28));
    ev.set_description(absl::StrCat("Step ", e + 1, " of the response: ",
                                    incident::v1::EventType_Name(ev.type())));
    return ev;
  }

  // Source s of incident i.
  incident::v1::Source Source(int64_t i, int s) const {
    incident::v1::Source src;
    static const char* kPublishers[] = {"The Brussels Times", "De Standaard",
                                        "Le Soir", "The Record"};
    src.set_url(
        absl::StrCat("hxxps://news-", s, "[.]example.com/", IncidentId(i)));
    src.set_title(
        absl::StrCat("Cyberattack report ", s + 1, " on ", IncidentId(i)));
    src.set_publisher(kPublishers[(i + s) % 4]);
    src.set_language(s % 2 ? "nl-BE" : "en");
    src.set_kind(incident::v1::NEWS);
    src.mutable_grade()->set_reliability(type::v1::SourceGrade::RELIABILITY_B);
    src.mutable_grade()->set_credibility(type::v1::SourceGrade::CREDIBILITY_2);
    src.set_excerpt("The organisation confirmed that its systems were hit.");
    return src;
  }

 private:
  struct Country {
    const char* code;
    const char* tld;
    const char* city;
    int weight;
  };
  static const std::vector<Country>& Countries() {
    static const std::vector<Country> kCountries = {
        {"BE", "be", "Brussels", 30}, {"NL", "nl", "Amsterdam", 12},
        {"FR", "fr", "Paris", 12},    {"DE", "de", "Berlin", 12},
        {"GB", "uk", "London", 8},    {"US", "com", "Washington", 8},
        {"IT", "it", "Rome", 5},      {"ES", "es", "Madrid", 5},
        {"PL", "pl", "Warsaw", 4},    {"LU", "lu", "Luxembourg", 4}};
    return kCountries;
  }
  static const Country& CountryOfOrg(int64_t i) {
    // Weighted by a hash of i, so countries are mixed across id ranges.
    uint64_t h = Seed(0, i) % 100;
    for (const Country& c : Countries()) {
      if (h < static_cast<uint64_t>(c.weight)) return c;
      h -= c.weight;
    }
    return Countries().front();
  }
  static uint64_t Seed(uint64_t stream, int64_t i) {
    uint64_t x =
        (stream << 56) ^ static_cast<uint64_t>(i) ^ 0x9e3779b97f4a7c15ull;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
  }

  int64_t orgs_;
  std::vector<std::string> techniques_;
};

}  // namespace atlas::bench

#endif  // ATLAS_BENCH_SYNTHETIC_H_
