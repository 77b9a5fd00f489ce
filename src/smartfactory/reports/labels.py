"""Words of the monthly report in English and Korean."""

from __future__ import annotations

__all__ = ["label"]

_LABELS: dict[str, tuple[str, str]] = {
    "title": ("Monthly production report", "월간 생산 보고서"),
    "baseline": ("baseline", "기준 기간"),
    "generated": ("generated", "작성"),
    "summary": ("Before and after: PQCD", "개선 전후 비교: PQCD"),
    "figure": ("figure", "지표"),
    "change": ("change", "변화"),
    "P": ("Productivity", "생산성"),
    "Q": ("Quality", "품질"),
    "C": ("Cost", "원가"),
    "D": ("Delivery", "납기"),
    "oee": ("OEE", "설비종합효율(OEE)"),
    "good_per_planned_h": ("Good units per planned hour", "계획 시간당 양품 수"),
    "availability": ("Availability", "시간가동률"),
    "performance": ("Performance", "성능가동률"),
    "quality": ("Quality rate", "양품률"),
    "scrap_ratio": ("Scrap ratio", "불량률"),
    "total_cost": ("Loss and maintenance cost", "손실·보전 비용"),
    "downtime_cost": ("Downtime cost", "정지 손실 비용"),
    "maintenance_cost": ("Maintenance cost", "보전 비용"),
    "on_time_rate": ("On-time delivery", "납기 준수율"),
    "mean_lateness_h": ("Mean lateness of late orders (h)", "지연 주문 평균 지연(시간)"),
    "oee_trend": ("OEE by day", "일별 OEE"),
    "oee_section": ("OEE and losses", "OEE와 손실"),
    "losses_waterfall": (
        "Planned time to fully productive time (h)",
        "계획 시간에서 완전 생산 시간까지(시간)",
    ),
    "planned": ("Planned", "계획 시간"),
    "availability_loss": ("Availability loss", "가동 손실"),
    "performance_loss": ("Speed loss", "속도 손실"),
    "quality_loss": ("Quality loss", "품질 손실"),
    "productive": ("Productive", "완전 생산"),
    "pareto": ("Downtime Pareto by reason", "사유별 정지 파레토"),
    "by_shift": ("OEE by shift", "교대별 OEE"),
    "quality_section": ("Quality", "품질"),
    "scrap_by_machine": ("Scrap ratio by machine (%)", "설비별 불량률(%)"),
    "machine": ("machine", "설비"),
    "produced": ("produced", "생산"),
    "scrap": ("scrap", "불량"),
    "spc_signals": ("SPC signals (daily p chart)", "SPC 이상 신호(일별 p 관리도)"),
    "maintenance_section": ("Maintenance", "설비보전"),
    "failures": ("Breakdowns", "고장"),
    "mtbf_h": ("MTBF (h)", "MTBF(시간)"),
    "mttr_h": ("MTTR (h)", "MTTR(시간)"),
    "unplanned_downtime_h": ("Unplanned downtime (h)", "비계획 정지(시간)"),
    "preventive_jobs": ("Preventive jobs", "예방보전 작업"),
    "work_orders_done": ("Work orders done", "완료 작업지시"),
    "failures_found": ("Failure modes found", "발견된 고장 모드"),
    "decisions": ("Decisions", "의사결정"),
    "expected_benefit": ("Expected benefit of applied decisions", "적용된 의사결정의 기대 효과"),
    "predictive_jobs": ("Predictive jobs done before failure", "고장 전 수행된 예측보전 작업"),
    "delivery_section": ("Delivery", "납기"),
    "orders_finished": ("Orders finished", "완료 주문"),
    "orders_on_time": ("On time", "납기 내"),
    "late_orders": ("Latest orders", "가장 늦은 주문"),
    "order": ("order", "주문"),
    "product": ("product", "제품"),
    "late_h": ("late (h)", "지연(시간)"),
    "none": ("none", "없음"),
    "days_with_data": ("days with data", "데이터가 있는 날"),
    "better": ("better", "개선"),
    "worse": ("worse", "악화"),
    "six_big_losses": ("Six big losses (h)", "6대 로스(시간)"),
    "breakdowns": ("Breakdowns", "고장"),
    "setup_adjustments": ("Setup and adjustment", "준비·조정"),
    "idling_minor_stops": ("Idling and minor stops", "공회전·순간정지"),
    "reduced_speed": ("Reduced speed", "속도 저하"),
    "process_defects": ("Process defects", "공정 불량"),
    "reduced_yield": ("Reduced yield (start-up)", "초기 수율 저하"),
    "footnote": (
        "Figures from the smartfactory KPI service (ISO 22400). Costs use the plant file's"
        " cost rates. A breakdown is an unplanned stop that is not a micro-stop.",
        "수치는 smartfactory KPI 서비스(ISO 22400)에서 산출했습니다. 비용은 공장 파일의 단가를"
        " 적용했습니다. 고장은 순간정지가 아닌 비계획 정지입니다.",
    ),
}


def label(key: str, language: str) -> str:
    """The report's word for ``key`` in ``language`` (the key itself if unknown)."""
    pair = _LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if language == "ko" else pair[0]
