# The Airflow image of docker-compose.yml: the official image plus the project's dependencies (dbt-duckdb,
# Great Expectations, DuckDB, the document parsers). The project itself is mounted, not copied.
ARG AIRFLOW_IMAGE=apache/airflow:3.3.2-python3.11
FROM ${AIRFLOW_IMAGE}
COPY requirements.in /tmp/requirements.in
# pin Airflow to the image's version so that the dependencies cannot move it
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -r /tmp/requirements.in
