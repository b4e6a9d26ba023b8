//! Texts of label files prepared in the background (the status page, the
//! list on the stamps page, the refusals when the runner is full), in
//! Vietnamese and English.

use super::Lang;

/// Every text of the label-file pages.
pub struct LabelTexts {
    pub files_title: &'static str,
    pub files_empty: &'static str,
    pub job_title: &'static str,
    pub run: &'static str,
    pub layout: &'static str,
    pub format: &'static str,
    pub requested_at: &'static str,
    pub status: &'static str,
    pub progress: &'static str,
    pub labels_unit: &'static str,
    pub refresh_hint: &'static str,
    pub download: &'static str,
    pub failed_hint: &'static str,
    pub interrupted_hint: &'static str,
    pub try_again: &'static str,
    pub back_to_stamps: &'static str,
    pub large_title: &'static str,
    /// `{n}`: the number of labels.
    pub large_intro: &'static str,
    pub prepare: &'static str,
    pub status_queued: &'static str,
    pub status_running: &'static str,
    pub status_done: &'static str,
    pub status_failed: &'static str,
    pub large_hint: &'static str,
}

impl LabelTexts {
    /// The name of a job status.
    pub fn status_name(&self, status: &str) -> &'static str {
        match status {
            "queued" => self.status_queued,
            "running" => self.status_running,
            "done" => self.status_done,
            _ => self.status_failed,
        }
    }
}

pub static VI: LabelTexts = LabelTexts {
    files_title: "Tệp tem đang chuẩn bị và đã xong",
    files_empty: "Chưa có tệp tem nào được chuẩn bị.",
    job_title: "Tệp tem",
    run: "Đợt tem",
    layout: "Khổ tem",
    format: "Định dạng",
    requested_at: "Yêu cầu lúc",
    status: "Trạng thái",
    progress: "Tiến độ",
    labels_unit: "tem",
    refresh_hint: "Trang tự cập nhật vài giây một lần. Bạn có thể rời trang và quay lại sau; tệp vẫn được chuẩn bị.",
    download: "Tải tệp về",
    failed_hint: "Không chuẩn bị được tệp này. Vui lòng thử lại.",
    interrupted_hint: "Máy chủ đã khởi động lại trong lúc chuẩn bị tệp. Vui lòng thử lại.",
    try_again: "Chuẩn bị lại",
    back_to_stamps: "← Quay lại trang tem",
    large_title: "Đợt tem lớn",
    large_intro: "Đợt tem này có {n} tem. Tệp sẽ được chuẩn bị ở chế độ nền; bạn theo dõi tiến độ và tải về khi xong.",
    prepare: "Chuẩn bị tệp",
    status_queued: "Đang chờ",
    status_running: "Đang chuẩn bị",
    status_done: "Xong",
    status_failed: "Lỗi",
    large_hint: "Đợt lớn: tệp được chuẩn bị ở chế độ nền.",
};

pub static EN: LabelTexts = LabelTexts {
    files_title: "Label files being prepared and ready",
    files_empty: "No label file has been prepared yet.",
    job_title: "Label file",
    run: "Run",
    layout: "Layout",
    format: "Format",
    requested_at: "Requested at",
    status: "Status",
    progress: "Progress",
    labels_unit: "labels",
    refresh_hint: "This page updates itself every few seconds. You may leave and come back later; the file is still being prepared.",
    download: "Download the file",
    failed_hint: "This file could not be prepared. Please try again.",
    interrupted_hint: "The server restarted while the file was being prepared. Please try again.",
    try_again: "Prepare again",
    back_to_stamps: "← Back to the stamps page",
    large_title: "Large run",
    large_intro: "This run has {n} labels. The file is prepared in the background; follow its progress and download it when it is ready.",
    prepare: "Prepare the file",
    status_queued: "Queued",
    status_running: "Preparing",
    status_done: "Ready",
    status_failed: "Failed",
    large_hint: "Large run: files are prepared in the background.",
};

/// The texts in `lang`.
pub fn texts(lang: Lang) -> &'static LabelTexts {
    match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    }
}

/// The refusal when a person already has `limit` jobs queued or running.
pub fn too_many_jobs(lang: Lang, limit: usize) -> String {
    match lang {
        Lang::Vi => format!(
            "Bạn đang có {limit} tệp đang được chuẩn bị. Vui lòng chờ một tệp xong rồi thử lại."
        ),
        Lang::En => format!(
            "You already have {limit} files being prepared. Please wait until one is ready and try again."
        ),
    }
}
