"""Recognition rules of kg.criteria.mentions added for the Chia benchmark (issue #3), one test per rule.

Every sentence here is invented for the test; none comes from a corpus.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.criteria import mentions
from kg.criteria.mentions import find_mentions
from kg.criteria.parse import parse_criterion


def _typed(text: str, etype: str) -> list[str]:
    return [m.text for m in find_mentions(text) if m.etype == etype]


# --- temporal ------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Expected survival of more than 4 months",
    "Life expectancy < 12 weeks",
    "Gestational age ≥ 30 weeks at delivery",
    "Migraine attacks lasting > 4 hours",
])
def test_a_compared_length_of_time_after_a_measure_is_not_a_window(text: str) -> None:
    assert _typed(text, "Temporal") == []


def test_a_compared_length_of_time_alone_is_still_a_window() -> None:
    assert _typed("Took an opioid > 3 days in a row", "Temporal") == ["> 3 days"]


@pytest.mark.parametrize(("text", "phrase"), [
    ("Resting heart rate above 100 at study entry", "at study entry"),
    ("Body temperature over 38 C on screening", "on screening"),
    ("Assigned male sex at birth", "at birth"),
    ("Post-bronchodilator FEV1 below 50% of predicted", "Post-bronchodilator"),
])
def test_study_period_and_reference_phrases_are_temporal(text: str, phrase: str) -> None:
    assert phrase in _typed(text, "Temporal")


@pytest.mark.parametrize(("text", "phrase"), [
    ("Knee pain that began after the fall", "after the fall"),
    ("Blood loss during delivery", "during delivery"),
    ("Fever prior to hospital admission", "prior to hospital admission"),
])
def test_a_preposition_before_an_event_is_temporal(text: str, phrase: str) -> None:
    assert phrase in _typed(text, "Temporal")


def test_an_event_phrase_stops_at_a_conjunction() -> None:
    assert "before surgery" in _typed("Anemia before surgery and a cough", "Temporal")


@pytest.mark.parametrize("text", [
    "Infants born < 32 weeks of gestation",
    "Babies under 2 months of age",
    "Neonates <30 weeks and >36 weeks gestation",
    "Puppies at least 4 weeks old",
])
def test_a_length_of_time_that_is_an_age_is_not_a_window(text: str) -> None:
    assert _typed(text, "Temporal") == []


def test_an_age_word_after_an_anchored_window_keeps_the_window() -> None:
    assert _typed("Vaccinated within 3 months of age", "Temporal") == ["within 3 months"]


@pytest.mark.parametrize("text", [
    "Fainting with more than 3 minutes of unconsciousness",
    "Seizure episodes (> 15 minutes)",
    "Bed rest expected to be >12 hours in duration",
])
def test_an_unanchored_length_in_minutes_or_hours_is_an_episode_not_a_window(text: str) -> None:
    assert _typed(text, "Temporal") == []


def test_an_anchored_length_in_hours_is_still_a_window() -> None:
    assert _typed("Fasting for at least 8 hours", "Temporal") == ["for at least 8 hours"]


def test_an_upper_case_d_after_a_number_is_a_diopter_not_days() -> None:
    assert _typed("Hyperopia > 5D in either eye", "Temporal") == []
    assert _typed("Antibiotics for 10 d", "Temporal") == ["for 10 d"]


def test_a_family_history_is_not_a_time_cue() -> None:
    assert _typed("Family history of glaucoma", "Temporal") == []
    assert _typed("History of glaucoma", "Temporal") == ["History of"]


@pytest.mark.parametrize(("text", "phrase"), [
    ("Agrees to avoid alcohol throughout the trial", "throughout the trial"),
    ("Uses a barrier method for the entire duration of the study", "for the entire duration of the study"),
    ("No travel throughout this study period", "throughout this study period"),
])
def test_the_whole_study_period_is_temporal(text: str, phrase: str) -> None:
    assert phrase in _typed(text, "Temporal")


@pytest.mark.parametrize(("text", "phrase"), [
    ("Platelets below 80 at time of planned transfer", "at time of planned transfer"),
    ("Fever on the day of vaccination", "on the day of vaccination"),
    ("Abstinent from alcohol throughout the run-in", "throughout the run-in"),
    ("Back pain since the fall", "since the fall"),
    ("Nausea at the start of dosing", "at the start of dosing"),
])
def test_more_prepositions_before_an_event_are_temporal(text: str, phrase: str) -> None:
    assert phrase in _typed(text, "Temporal")


def test_a_causal_since_is_not_temporal() -> None:
    assert _typed("Excluded since this tablet contains lactose", "Temporal") == []


# --- measurements --------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "name"), [
    ("A QIDS-SR16 score ≥ 11 at the first visit", "QIDS-SR16"),
    ("Baseline HAMD > 18", "HAMD"),
    ("Weighing more than 120 kg", "Weighing"),
    ("Body weight < 45 kg", "Body weight"),
])
def test_a_name_compared_with_a_number_is_a_measurement(text: str, name: str) -> None:
    assert name in _typed(text, "Measurement")


def test_a_capitalised_word_not_compared_is_not_a_measurement() -> None:
    assert _typed("Lives in Ohio with a caregiver", "Measurement") == []


def test_hormones_are_measurements() -> None:
    assert _typed("Raised FSH or a positive serum beta-hCG", "Measurement")[:2] == ["FSH", "beta-hCG"]


def test_organ_function_stated_adequate_is_a_measurement() -> None:
    ms = _typed("Adequate bone marrow function and normal hepatic function", "Measurement")
    assert ms == ["bone marrow function", "hepatic function"]
    assert _typed("Renal function decline after surgery", "Measurement") == []  # no adequacy stated


def test_named_criteria_are_measurements() -> None:
    assert "DSM-5 criteria" in _typed("Meets DSM-5 criteria for panic disorder", "Measurement")
    assert _typed("Meets all inclusion criteria", "Measurement") == []


@pytest.mark.parametrize(("text", "name"), [
    ("HIV positive at screening", "HIV"),
    ("Known to be negative for HCV", "HCV"),
    ("Hepatitis B seropositive status", "Hepatitis B"),
    ("Human immunodeficiency virus-positive mothers", "Human immunodeficiency virus"),
])
def test_a_virus_with_a_test_result_is_a_measured_serology(text: str, name: str) -> None:
    assert name in _typed(text, "Measurement")


# --- drugs ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "drug"), [
    ("Daily use of anti-coagulants", "anti-coagulants"),
    ("Regular narcotics for back pain", "narcotics"),
    ("Allergy to macrolides", "macrolides"),
    ("Takes PARP inhibitors", "PARP inhibitors"),
    ("Prior alpha-1 blockers", "alpha-1 blockers"),
    ("On a GnRH agonist", "GnRH agonist"),
    ("Chronic hepatitis B treated with tenofovir or entecavir", "tenofovir"),
    ("Uses eye drops containing a steroid", "eye drops"),
])
def test_drug_classes_and_names(text: str, drug: str) -> None:
    assert drug in _typed(text, "Drug")


@pytest.mark.parametrize("text", [
    "Prior chemotherapy for lung cancer",
    "Received immunosuppressive therapy last year",
    "Ongoing antiviral treatment",
])
def test_a_treatment_modality_is_not_a_drug_mention(text: str) -> None:
    assert _typed(text, "Drug") == []


# --- values --------------------------------------------------------------------------------
def test_increased_is_not_a_value_but_elevated_is() -> None:
    assert _typed("Increased risk of bleeding", "Value") == []
    assert _typed("Elevated troponin", "Value") == ["Elevated"]


# --- conditions ----------------------------------------------------------------------------
def test_a_transplant_is_not_a_condition_mention() -> None:
    assert _typed("Prior organ transplantation", "Condition") == []


def test_diagnosis_and_prognosis_are_not_condition_heads() -> None:
    text = "Diagnosis: confirmed by a neurologist; prognosis judged poor"
    assert _typed(text, "Condition") == []
    assert not [c for c in parse_criterion(text, "inclusion") if c.kind == "condition"]


def _gazetteer_or_skip() -> None:
    index, acronyms = mentions._condition_gazetteer()
    if not index:
        pytest.skip(f"no disease vocabularies at {mentions.ONTOLOGIES}")


@pytest.mark.parametrize(("text", "name"), [
    ("History of myasthenia gravis", "myasthenia gravis"),
    ("Known hypothyroidism on replacement", "hypothyroidism"),
    ("Untreated NSCLC", "NSCLC"),
])
def test_disease_names_from_the_ontology_vocabularies(text: str, name: str) -> None:
    _gazetteer_or_skip()
    assert name in _typed(text, "Condition")


def test_the_gazetteer_leaves_out_generic_words_and_numbered_grades() -> None:
    _gazetteer_or_skip()
    text = "Grade 2 toxicity; any diagnosis or failure"
    spans = [text[a:b] for a, b in mentions._gazetteer_conditions(text)]
    assert "Grade 2" not in spans and "diagnosis" not in spans and "failure" not in spans


def test_the_gazetteer_takes_the_longest_name(tmp_path, monkeypatch) -> None:
    (tmp_path / "doid").mkdir()
    (tmp_path / "doid" / "HumanDO.tsv").write_text(
        'id\tlabel\tsubClassOf\n"DOID:1"\t"lung disease"\t""\n"DOID:2"\t"chronic obstructive lung disease"\t""\n'
        '"DOID:3"\t"XYZD"\t""\n"DOID:4"\t"disease"\t""\n"DOID:5"\t"grade 2"\t""\n"DOID:6"\t"cancer, lung"\t""\n',
        encoding="utf-8")
    monkeypatch.setattr(mentions, "ONTOLOGIES", tmp_path)
    mentions._condition_gazetteer.cache_clear()
    try:
        index, acronyms = mentions._condition_gazetteer()
        assert acronyms == {"XYZD"}
        assert set(index) == {"lung", "chronic"}  # "disease", "grade 2", "cancer, lung" left out
        text = "chronic obstructive lung disease or XYZD but not xyzd"
        assert [text[a:b] for a, b in mentions._gazetteer_conditions(text)] == [
            "chronic obstructive lung disease", "XYZD"]
    finally:
        mentions._condition_gazetteer.cache_clear()


def test_without_vocabularies_there_is_no_gazetteer(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(mentions, "ONTOLOGIES", tmp_path / "absent")
    mentions._condition_gazetteer.cache_clear()
    try:
        assert mentions._gazetteer_conditions("myasthenia gravis") == []
    finally:
        mentions._condition_gazetteer.cache_clear()


# --- negation ------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "negated"), [
    ("No prior stroke", ["stroke"]),
    ("Any malignancy except basal cell carcinoma", ["basal cell carcinoma"]),
    ("Without diabetes, but with gout", ["diabetes"]),
    ("Free of seizures; epilepsy allowed", ["seizures"]),
])
def test_negated_mentions_are_the_entities_in_a_cue_scope(text: str, negated: list[str]) -> None:
    assert [m.text for m in mentions.negated_mentions(text)] == negated
    assert all(m.etype == "Negation" for m in mentions.negated_mentions(text))


def test_no_cue_no_negated_mention() -> None:
    assert mentions.negated_mentions("Stroke within 6 months") == []
    assert mentions.negated_mentions("") == []


def test_an_analyte_before_lowering_or_metabolism_is_not_measured() -> None:
    assert _typed("Takes a glucose-lowering drug", "Measurement") == []
    assert _typed("Disorder of glucose metabolism", "Measurement") == []
    assert _typed("Fasting glucose above 7 mmol/L", "Measurement") != []


@pytest.mark.parametrize("drug", ["clomipramine", "risperidone", "budesonide", "pregabalin", "levetiracetam",
                                  "silodosin", "vecuronium", "adefovir", "sorafenib", "nefazodone"])
def test_more_inn_stems_name_drugs(drug: str) -> None:
    assert _typed(f"Stopped {drug} two weeks ago", "Drug") == [drug]


def test_a_short_word_with_a_stem_ending_is_not_a_drug() -> None:
    assert _typed("Uses a rosin soap", "Drug") == []  # "rosin" ends like "-osin" but is too short


def test_an_abbreviation_defined_after_a_name_takes_its_type() -> None:
    text = "History of atrial fibrillation (AF) or stroke; AF treated with ablation allowed"
    conds = [m for m in find_mentions(text) if m.etype == "Condition"]
    assert [m.text for m in conds].count("AF") == 2
    assert _typed("Ventricular rate (VR) is fine", "Condition") == []  # no typed name before it


def test_pregnancy_is_a_condition_but_a_pregnancy_test_is_not() -> None:
    assert _typed("Women who are pregnant", "Condition") == ["pregnant"]
    assert _typed("Positive urine pregnancy test", "Condition") == []


def test_a_result_joined_to_its_marker_by_a_hyphen_is_a_value() -> None:
    assert _typed("HER2-positive or ER-negative tumour", "Value") == ["positive", "negative"]
    assert _typed("Seropositive for HIV", "Value") == ["Seropositive"]


@pytest.mark.parametrize("word", ["dizziness", "bradycardia", "tinnitus", "immunocompromised", "urticaria"])
def test_signs_symptoms_and_states_are_conditions(word: str) -> None:
    assert _typed(f"Reports {word} at rest", "Condition") == [word]


@pytest.mark.parametrize(("text", "name"), [
    ("Prostate volume above 80 mL", "Prostate volume"),
    ("Cervical length under 25 mm", "Cervical length"),
    ("A change in volume of the spleen", "volume"),  # the preposition is not part of the name
])
def test_physical_dimensions_are_measurements(text: str, name: str) -> None:
    assert name in _typed(text, "Measurement")


def test_a_named_scale_may_have_lower_case_words_before_its_head() -> None:
    assert "Stanford sleepiness scale" in _typed("Stanford sleepiness scale above 4", "Measurement")
    assert _typed("the total score was low", "Measurement") == []  # no name starts it


@pytest.mark.parametrize(("text", "drug"), [
    ("Needs mood stabilizers", "mood stabilizers"),
    ("IV aminoglycosides in the past month", "aminoglycosides"),
    ("Herbal remedies such as St. John's wort", "St. John's wort"),
    ("Oral bisphosphonates for osteoporosis", "bisphosphonates"),
])
def test_more_drug_classes_and_herbals(text: str, drug: str) -> None:
    assert drug in _typed(text, "Drug")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_negated_mentions_never_raise_and_index_the_text(text: str) -> None:
    for m in mentions.negated_mentions(text):
        assert 0 <= m.span[0] < m.span[1] <= len(text) and text[m.span[0]:m.span[1]] == m.text


@pytest.mark.parametrize(("text", "state"), [
    ("In good general health", "good general health"),
    ("Known high blood pressure", "high blood pressure"),
    ("Sexually active women", "Sexually active"),
    ("Surgically sterilized men", "Surgically sterilized"),
])
def test_health_and_reproductive_states_are_conditions(text: str, state: str) -> None:
    assert state in _typed(text, "Condition")
