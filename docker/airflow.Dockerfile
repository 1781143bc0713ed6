# The Airflow image of docker-compose.yml: the official image plus the project's dependencies (dbt-duckdb,
# Great Expectations, DuckDB, the document parsers). The project itself is mounted, not copied.
ARG AIRFLOW_IMAGE=apache/airflow:3.3.2-python3.11
FROM ${AIRFLOW_IMAGE}
COPY requirements.in /tmp/requirements.in
# pin Airflow to the image's version so that the dependencies cannot move it; rapidocr-onnxruntime pulls in
# opencv-python, whose cv2 needs libGL: replace it by the headless build (requirements.overrides does the same
# for the lock file), reinstalled because both wheels write the same cv2 package
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -r /tmp/requirements.in \
 && pip uninstall -y opencv-python \
 && pip install --no-cache-dir --force-reinstall --no-deps opencv-python-headless
